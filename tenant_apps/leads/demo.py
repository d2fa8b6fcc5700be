"""Demo leads (``seed_demo``): two weeks of enquiries from the store's channels in every status.

Each lead is taken in through the services at its own time (so it is distributed by the store's
rules: round robin among the salespeople on duty, a rule sending the first channel's grade-A leads
to the supervisor), then worked at a later time: contacted, converted into a customer, lost with a
reason, or left new (the few of the last minutes, still within the first-response time, so the
re-assignment job has nothing to do on a fresh demo). Every random choice comes from the seeder's
own generator."""

from __future__ import annotations

from datetime import timedelta

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.roles import StoreRole
from tenant_apps.leads import services
from tenant_apps.workspace.demo import SURNAMES, DemoContext, register_seeder
from tenant_apps.workspace.selectors import channel_list

LEADS = 28
DAYS = 14
GIVEN = ("先生", "女士", "经理", "总", "老板", "主管")
COMPANIES = ("物流", "仓储", "食品", "电子", "医药", "化工", "包装", "汽配")
REGIONS = ("浙江", "江苏", "广东", "上海", "山东", "湖北", "四川", "福建")
SOURCES = ("店铺咨询", "直播间留资", "搜索广告", "老客户介绍", "展会名片", "官网表单")
MESSAGES = (
    "需要九脚塑料托盘 200 个，能否含税含运费报价？",
    "仓库改造，想了解川字托盘的动载和价格。",
    "出口用免熏蒸木托盘，每月 500 个左右。",
    "周转箱带盖的有现货吗？要 1000 个。",
    "冷库用钢托盘，耐低温的有检测报告吗？",
    "想先拿两个样品试用。",
)
LOSS_REASONS = (
    "价格高于竞品",
    "客户预算取消",
    "联系不上（电话空号）",
    "需求是租赁托盘，我们不做",
    "已在线下采购",
)
# What happens to the older leads, in turn; the newest ``FRESH`` stay new.
OUTCOMES = ("converted", "lost", "contacted", "converted", "lost", "contacted")
FRESH = 4


def _mobile(rng) -> str:
    return "139" + "".join(rng.choice("0123456789") for _ in range(8))


@register_seeder("leads", order=25)
def seed_leads(ctx: DemoContext) -> str | None:
    rng = ctx.rng
    admin = (list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    access = resolve_store_access(user=admin, store=ctx.store) if admin is not None else None
    channels = list(channel_list(active_only=True))
    if access is None or not channels:
        return None
    supervisor = (list(ctx.users(StoreRole.SUPERVISOR)) or [None])[0]
    if supervisor is not None:
        services.rule_create(
            access=access,
            data={
                "name": "A 级大客户给主管",
                "priority": 10,
                "channel": channels[0].code,
                "grade": "A",
                "members": [supervisor.pk],
            },
        )
    services.lead_settings_update(access=access, data={"first_response_minutes": 30, "open_lead_cap": 40})
    counts: dict[str, int] = {}
    for index in range(LEADS):
        if index < LEADS - FRESH:
            received = ctx.now - timedelta(days=DAYS * (LEADS - index) / LEADS, minutes=rng.randint(0, 300))
            outcome = OUTCOMES[index % len(OUTCOMES)]
        else:
            received = ctx.now - timedelta(minutes=rng.randint(1, 8))
            outcome = "new"
        data = {
            "channel": rng.choice(channels).code,
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "source": rng.choice(SOURCES),
            "grade": rng.choice("AABBBCCD"),
            "province": rng.choice(REGIONS),
            "message": rng.choice(COMPANIES) + "公司：" + rng.choice(MESSAGES),
            "received_at": received.isoformat(),
        }
        if rng.random() < 0.8:
            data["mobile"] = _mobile(rng)
        else:
            data["wechat_id"] = f"wx_{rng.randint(100000, 999999)}"
        lead = services.lead_create(data=data, access=access, at=received)
        worked = min(received + timedelta(minutes=rng.randint(5, 90)), ctx.now)
        if outcome in ("contacted", "converted", "lost"):
            services.lead_contact(lead_id=lead.pk, access=access, at=worked)
            closed = min(worked + timedelta(hours=rng.randint(2, 72)), ctx.now)
            if outcome == "converted":
                services.lead_convert(lead_id=lead.pk, access=access, at=closed)
            elif outcome == "lost":
                services.lead_lose(lead_id=lead.pk, access=access, reason=rng.choice(LOSS_REASONS), at=closed)
        counts[outcome] = counts.get(outcome, 0) + 1
    return f"{LEADS} leads: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
