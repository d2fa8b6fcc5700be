"""Demo data of after-sales: a few cases in every state on orders whose goods have left the
warehouse (runs after the sales and finance seeders)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import DomainError
from tenant_apps.aftersales import services
from tenant_apps.finance import services as finance
from tenant_apps.sales.selectors import order_list
from tenant_apps.workspace.demo import DemoContext, register_seeder

REASONS = {
    "refund_only": "物流延误，客户要求部分退款",
    "return_refund": "托盘边角开裂，客户要求退货退款",
    "exchange": "规格发错（应为 1200×1000），申请换货",
    "reissue": "少发 2 片托盘，申请补发",
}
# type, how far it goes: applied, approved, rejected, processing, returned, completed, cancelled
PLAN = (
    ("refund_only", "applied"),
    ("exchange", "applied"),
    ("return_refund", "approved"),
    ("refund_only", "rejected"),
    ("exchange", "processing"),
    ("return_refund", "returned"),
    ("refund_only", "completed"),
    ("reissue", "cancelled"),
)


def _orders(ctx: DemoContext, access) -> list:
    statuses = ",".join(services.AFTER_GOODS_LEFT)
    orders = order_list(access=access, filters={"status": statuses, "ordering": "signed_at"})
    return [order for order in orders[:60] if order.collected > 0][: len(PLAN)]


@register_seeder("aftersales", order=50)
def seed_aftersales(ctx: DemoContext) -> str | None:
    admin = (ctx.users(StoreRole.ADMIN) or (None,))[0]
    supervisor = (ctx.users(StoreRole.SUPERVISOR) or ctx.users(StoreRole.ADMIN) or (None,))[0]
    warehouse = (ctx.users(StoreRole.WAREHOUSE) or ctx.users(StoreRole.ADMIN) or (None,))[0]
    finance_user = (ctx.users(StoreRole.FINANCE) or ctx.users(StoreRole.ADMIN) or (None,))[0]
    if admin is None or supervisor is None:
        return None
    people = {admin, supervisor, warehouse, finance_user} - {None}
    access = {user.pk: resolve_store_access(user=user, store=ctx.store) for user in people}
    made = 0
    for index, ((kind, stage), order) in enumerate(zip(PLAN, _orders(ctx, access[admin.pk]), strict=False)):
        applicant = next((u for members in ctx.members.values() for u in members if u.pk == order.owner_id), admin)
        applicant_access = resolve_store_access(user=applicant, store=ctx.store)
        if applicant_access is None or not applicant_access.can("aftersales.create"):
            applicant_access = access[supervisor.pk] if applicant.pk != supervisor.pk else access[admin.pk]
        at = ctx.now - timedelta(days=12 - index, hours=ctx.rng.randint(0, 8))
        line = order.lines.order_by("position", "id").first()
        fields: dict = {"type": kind, "reason": REASONS[kind]}
        if kind in ("refund_only", "return_refund"):
            fields["amount"] = (min(order.collected, line.unit_price if line else order.collected) / 2).quantize(
                Decimal("0.01")
            )
        if kind != "refund_only" and line is not None:
            fields["items"] = [(line.pk, min(line.quantity, 1 + index % 2))]
        decider = access[supervisor.pk] if applicant_access.user.pk != supervisor.pk else access[admin.pk]
        try:
            case = services.case_apply(access=applicant_access, order_id=order.pk, at=at, **fields)
            made += 1
            if stage == "applied":
                continue
            if stage == "cancelled":
                services.case_cancel(case_id=case.pk, access=applicant_access, at=at + timedelta(hours=1))
                continue
            if stage == "rejected":
                services.case_reject(
                    case_id=case.pk, access=decider, comment="超出售后期限", at=at + timedelta(hours=2)
                )
                continue
            services.case_approve(case_id=case.pk, access=decider, comment="同意", at=at + timedelta(hours=2))
            if stage == "approved":
                continue
            processor = access[warehouse.pk] if kind != "refund_only" else decider
            case = services.case_process(case_id=case.pk, access=processor, at=at + timedelta(days=1))
            if stage == "returned":
                services.case_return_received(case_id=case.pk, access=processor, at=at + timedelta(days=3))
            elif stage == "completed" and case.refund_payment_id and finance_user is not None:
                finance.payment_confirm(
                    payment_id=case.refund_payment_id, access=access[finance_user.pk], at=at + timedelta(days=2)
                )
                services.refund_confirmed(payment_id=case.refund_payment_id, case_id=case.pk, at=at + timedelta(days=2))
        except DomainError:
            continue
    return f"{made} after-sales cases" if made else None
