"""Demo data of the team's work: announcements (some read), work assignments in every status and
a few days of daily reports from the salespeople; and, once, an HQ announcement to every store."""

from __future__ import annotations

from datetime import timedelta

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.roles import StoreRole
from tenant_apps.teamwork import services
from tenant_apps.teamwork.models import Announcement, WorkTask
from tenant_apps.workspace.demo import DemoContext, register_seeder

TASKS = (
    ("回访上周询价的食品厂客户", "整理报价并电话确认需求"),
    ("整理本月塑料托盘库存", "与仓库核对型号和数量"),
    ("准备川渝地区客户拜访计划", ""),
    ("更新天猫店铺主图", "新品 1210 网格托盘"),
)
REPORTS = (
    ("跟进 6 位客户，成交 1 单", "继续跟进两位意向客户", ""),
    ("完成 3 份报价，处理 1 起售后", "拜访老客户", "物流报价偏高"),
    ("新增微信好友 5 位，电话沟通 8 次", "整理客户资料", ""),
)


@register_seeder("team_work", order=60)
def seed_team_work(ctx: DemoContext) -> str | None:
    admins = ctx.users(StoreRole.ADMIN)
    supervisors = ctx.users(StoreRole.SUPERVISOR)
    salespeople = ctx.users(StoreRole.SALESPERSON)
    if not admins or not salespeople:
        return None
    admin = resolve_store_access(user=admins[0], store=ctx.store)
    lead = resolve_store_access(user=(supervisors or admins)[0], store=ctx.store)
    announcements = [
        services.announcement_create(
            access=admin,
            title="本周五下午 4 点全员例会",
            body="请各位提前准备本周工作总结。",
            audience=Announcement.Audience.EVERYONE,
        ),
        services.announcement_create(
            access=lead,
            title="本月公海认领规则提醒",
            body="认领后 7 天内必须完成首次回访，否则客户将自动退回公海。",
            audience=Announcement.Audience.ROLES,
            roles=[StoreRole.SALESPERSON],
        ),
    ]
    reader = resolve_store_access(user=salespeople[0], store=ctx.store)
    services.announcement_mark_read(access=reader, announcement_id=announcements[0].pk, at=ctx.now)
    statuses = (None, WorkTask.Status.IN_PROGRESS, WorkTask.Status.DONE, None)
    for index, (title, description) in enumerate(TASKS):
        person = salespeople[index % len(salespeople)]
        task = services.task_create(
            access=lead,
            title=title,
            description=description,
            assignee_id=person.pk,
            due_date=(ctx.now + timedelta(days=ctx.rng.randint(1, 10))).date(),
        )
        if statuses[index]:
            services.task_update(
                access=resolve_store_access(user=person, store=ctx.store), task_id=task.pk, status=statuses[index]
            )
    reports = 0
    for person in salespeople:
        access = resolve_store_access(user=person, store=ctx.store)
        for days_ago in (3, 2, 1):
            done, plan, problems = ctx.rng.choice(REPORTS)
            services.report_submit(
                access=access,
                done_today=done,
                plan_tomorrow=plan,
                problems=problems,
                at=ctx.now - timedelta(days=days_ago),
            )
            reports += 1
    return f"{len(announcements)} announcements, {len(TASKS)} work assignments, {reports} daily reports"
