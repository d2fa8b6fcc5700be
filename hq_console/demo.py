"""Demo data of the HQ console: one HQ announcement to every store, so that the stores' announcement
feeds show one (seeded with the first demo store, once)."""

from __future__ import annotations

from hq_console.selectors import hq_announcement_list
from hq_console.services import hq_announcement_create
from shared_apps.accounts.models import User
from shared_apps.accounts.roles import HQRole
from tenant_apps.workspace.demo import DemoContext, register_seeder


@register_seeder("hq_announcement", order=61)
def seed_hq_announcement(ctx: DemoContext) -> str | None:
    hq_admin = User.objects.filter(hq_role=HQRole.ADMIN, is_active=True).order_by("pk").first()
    if hq_admin is None or hq_announcement_list().exists():
        return None
    hq_announcement_create(
        title="总部通知：年度盘点安排",
        body="各店铺请于月底前完成库存盘点并提交报告。",
        hq_user=hq_admin,
        all_stores=True,
    )
    return "1 HQ announcement to every store"
