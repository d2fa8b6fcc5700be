"""Demo customers: pallet buyers across China with follow-ups, tags and grades (``seed_demo``).

Per store ``ctx.customers`` customers (``--customers N``) spread over the store's salespeople and
supervisor, about 15 % in the shared pool, each with 1 to 6 follow-ups in the past 90 days and a
next follow-up around today (some overdue, some due today, most in the coming two weeks). Owned
customers keep to the store's pool rules: their last follow-up lies inside the idle limit and an
overdue next follow-up inside the grace period, so the release job finds nothing due for a day. Every
random choice comes from the seeder's own generator, so a seed always gives the same customers.
Rows are bulk-inserted; mobile numbers and chat ids are unique, as the constraints demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared_apps.accounts.roles import StoreRole
from tenant_apps.customers.models import Customer, FollowUp, Grade, Intention, Tag
from tenant_apps.customers.services import normalize_mobile
from tenant_apps.workspace.demo import SURNAMES, DemoContext, register_seeder
from tenant_apps.workspace.selectors import channel_list, store_settings_get

POOL_SHARE = 0.15
TAGS = (
    ("重点客户", "red"),
    ("经销商", "blue"),
    ("电商平台", "orange"),
    ("终端工厂", "green"),
    ("物流仓储", "purple"),
    ("老客户", "gray"),
)
GIVEN = (
    "伟",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "丽娟",
    "国庆",
    "文斌",
    "春梅",
    "振宇",
    "玉兰",
    "德明",
    "少华",
    "金凤",
    "永刚",
    "秀兰",
    "俊杰",
    "红霞",
    "立新",
    "雪梅",
)
TITLES = ("", "", "", "总", "经理", "主任", "老板")
# Province and cities where pallets are bought (manufacturing, logistics, ports).
REGIONS = (
    ("江苏", ("苏州", "无锡", "南京", "常州", "南通")),
    ("浙江", ("宁波", "杭州", "温州", "嘉兴", "金华")),
    ("广东", ("广州", "深圳", "东莞", "佛山", "中山")),
    ("山东", ("青岛", "济南", "潍坊", "临沂", "烟台")),
    ("上海", ("上海",)),
    ("天津", ("天津",)),
    ("河北", ("石家庄", "廊坊", "唐山")),
    ("福建", ("厦门", "泉州", "福州")),
    ("湖北", ("武汉", "襄阳")),
    ("四川", ("成都", "绵阳")),
    ("河南", ("郑州", "洛阳")),
    ("安徽", ("合肥", "芜湖")),
)
COMPANY_WORDS = ("恒通", "鑫源", "华盛", "永信", "宏达", "顺丰源", "联合", "金桥", "东方", "远航", "瑞丰", "天成")
COMPANY_TRADES = (
    "物流有限公司",
    "仓储服务有限公司",
    "食品有限公司",
    "化工有限公司",
    "医药有限公司",
    "电子科技有限公司",
    "供应链管理有限公司",
    "机械制造有限公司",
    "饮料有限公司",
    "商贸有限公司",
)
STREETS = ("工业园区", "经济开发区", "物流园", "高新区", "保税区")
PRODUCTS = (
    "川字托盘",
    "九脚托盘",
    "田字托盘",
    "双面托盘",
    "网格托盘",
    "平板托盘",
    "吹塑托盘",
    "1200×1000",
    "1100×1100",
    "1200×800",
)
# Mobile prefixes of the three Chinese carriers.
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159")
MOBILE_PREFIXES += ("166", "177", "180", "181", "183", "186", "187", "188", "189", "199")
CHAT_LETTERS = "abcdefghijkmnpqrstuvwxyz"
FOLLOW_UPS = (
    ("call", "询问 1200×1000 川字托盘报价和起订量", "已报价"),
    ("wechat", "客户发来仓库货架尺寸，推荐九脚托盘", "待回复"),
    ("platform_chat", "店铺咨询承重和防滑，发了检测报告", "意向强"),
    ("call", "确认交期和运费，客户要求送货上门", "待确认"),
    ("visit", "上门拜访，看了现场叉车和货架", "意向强"),
    ("wechat", "客户在比较三家价格，下周再联系", "比价中"),
    ("email", "发送年度采购合同草稿", "待签约"),
    ("call", "回访上批托盘使用情况，反馈良好", "满意"),
    ("wechat", "寄出样品，快递单号已发客户", "已寄样"),
    ("call", "客户暂无需求，明年初再联系", "暂无需求"),
    ("other", "展会上交换名片，客户对吹塑托盘感兴趣", "新线索"),
)
GRADE_WEIGHTS = ((Grade.A, 10), (Grade.B, 30), (Grade.C, 40), (Grade.D, 20))


@dataclass(frozen=True)
class DemoPoolRules:
    """How far back the demo may put an owned customer's last and next follow-ups: the store's own
    pool rules (idle limit, grace period) minus a margin, so the release job finds nothing due."""

    idle_days: float
    overdue_days: float

    @classmethod
    def of(cls, store_settings) -> DemoPoolRules:
        return cls(
            idle_days=float(store_settings.pool_max_idle_days),
            # overdue by at most the grace period less 1.2 days: released a day from now at the soonest
            overdue_days=max(0.11, min(5.0, store_settings.pool_grace_days - 1.2)),
        )


def _unique(rng, seen: set[str], make) -> str:
    while True:
        value = make(rng)
        if value not in seen:
            seen.add(value)
            return value


def _mobile(rng) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def _chat_id(prefix: str):
    def make(rng) -> str:
        letters = "".join(rng.choice(CHAT_LETTERS) for _ in range(rng.randint(4, 8)))
        return f"{prefix}{letters}{rng.randint(10, 9999)}"

    return make


def _formatted(rng, mobile: str) -> str:
    """The number as people type it: plain, spaced, dashed or with the country code."""
    style = rng.randint(0, 3)
    if style == 1:
        return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if style == 2:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if style == 3:
        return f"+86 {mobile}"
    return mobile


@register_seeder("customers", order=10)
def seed_customers(ctx: DemoContext) -> str | None:
    count = ctx.customers
    if count <= 0:
        return None
    rng = ctx.rng
    now = ctx.now
    salespeople = list(ctx.users(StoreRole.SALESPERSON))
    supervisors = list(ctx.users(StoreRole.SUPERVISOR))
    # Salespeople hold most customers; a supervisor keeps a few big accounts.
    owners = salespeople * 4 + supervisors or list(ctx.users(StoreRole.ADMIN))
    creator = (supervisors or salespeople or list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    channels = list(channel_list(active_only=True))
    tags = [Tag.objects.get_or_create(name=name, defaults={"color": color})[0] for name, color in TAGS]
    grades = [grade for grade, weight in GRADE_WEIGHTS for _ in range(weight)]
    rules = DemoPoolRules.of(store_settings_get())

    used_mobiles = {m.removeprefix("+86") for m in Customer.objects.values_list("mobile_normalized", flat=True)}
    used_wechat = set(Customer.objects.exclude(wechat_id="").values_list("wechat_id", flat=True))
    used_chat = set(Customer.objects.exclude(platform_chat_id="").values_list("platform_chat_id", flat=True))

    customers: list[Customer] = []
    created_ats = []
    plans: list[tuple[list[tuple], list[Tag]]] = []
    for _index in range(count):
        province, cities = rng.choice(REGIONS)
        city = rng.choice(cities)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(TITLES)
        mobile = _unique(rng, used_mobiles, _mobile)
        channel = rng.choice(channels) if channels and rng.random() < 0.9 else None
        in_pool = rng.random() < POOL_SHARE or not owners
        owner = None if in_pool else rng.choice(owners)
        created_at = now - timedelta(days=rng.randint(20, 360), hours=rng.randint(0, 23))
        follow_up_count = rng.randint(1, 6)
        if in_pool:
            times = sorted(now - timedelta(days=rng.uniform(0.2, 90)) for _ in range(follow_up_count))
        else:
            # The last follow-up lies inside the store's idle limit, at least a day and a half before
            # it runs out, so that a fresh demo does not send its owned customers back to the pool.
            last = now - timedelta(days=rng.uniform(0.2, max(0.3, rules.idle_days - 1.5)))
            span = max(0.0, (last - (now - timedelta(days=90))).total_seconds())
            times = sorted(last - timedelta(seconds=rng.uniform(0, span)) for _ in range(follow_up_count - 1))
            times.append(last)
        created_at = min(created_at, times[0] - timedelta(hours=1))
        if in_pool:
            next_at = None
        else:
            # Around today: a few overdue (still inside the grace period), some due today, most in
            # the next two weeks.
            roll = rng.random()
            if roll < 0.15:
                next_at = now - timedelta(days=rng.uniform(0.1, rules.overdue_days))
            elif roll < 0.3:
                next_at = now + timedelta(hours=rng.uniform(0.5, 10))
            else:
                next_at = now + timedelta(days=rng.uniform(1, 14))
            next_at = next_at.replace(minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0)
            next_at = max(next_at, times[-1] + timedelta(minutes=30))
        platform_chat = ""
        if channel is not None and channel.platform not in ("offline", "other") and rng.random() < 0.4:
            platform_chat = _unique(rng, used_chat, _chat_id(f"{channel.platform}_"))
        customers.append(
            Customer(
                name=name,
                company=f"{city}{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}",
                mobile=_formatted(rng, mobile),
                mobile_normalized=normalize_mobile(mobile),
                wechat_id=_unique(rng, used_wechat, _chat_id("wx_")) if rng.random() < 0.45 else "",
                platform_chat_id=platform_chat,
                channel=channel,
                province=province,
                city=city,
                address=f"{city}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                grade=rng.choice(grades),
                product_preferences=rng.sample(PRODUCTS, rng.randint(0, 3)),
                intention_level=rng.choice([*Intention.values, ""]),
                owner_id=owner.pk if owner else None,
                owner_since=(created_at if owner else None),
                released_at=(now - timedelta(days=rng.randint(1, 60)) if in_pool else None),
                next_follow_up_at=next_at,
                last_follow_up_at=times[-1],
                created_by_id=getattr(creator, "pk", None),
            )
        )
        created_ats.append(created_at)
        author = owner or rng.choice(owners or [creator])
        notes = [
            (getattr(author, "pk", None), *rng.choice(FOLLOW_UPS), at, times[i + 1] if i + 1 < len(times) else next_at)
            for i, at in enumerate(times)
        ]
        chosen_tags = rng.sample(tags, rng.choice((0, 1, 1, 2)))
        plans.append((notes, chosen_tags))

    customers = Customer.objects.bulk_create(customers, batch_size=500)
    for customer, created_at in zip(customers, created_ats, strict=True):
        customer.created_at = created_at
    Customer.objects.bulk_update(customers, ["created_at"], batch_size=500)

    follow_ups = []
    tag_links = []
    for customer, (notes, chosen_tags) in zip(customers, plans, strict=True):
        for author_id, kind, content, outcome, at, planned_next in notes:
            if author_id is None:
                continue
            follow_ups.append(
                FollowUp(
                    customer=customer,
                    author_id=author_id,
                    kind=kind,
                    content=content,
                    outcome=outcome,
                    next_follow_up_at=planned_next,
                    created_at=at,
                )
            )
        tag_links += [Customer.tags.through(customer_id=customer.pk, tag_id=tag.pk) for tag in chosen_tags]
    FollowUp.objects.bulk_create(follow_ups, batch_size=1000)
    Customer.tags.through.objects.bulk_create(tag_links, batch_size=1000)
    pooled = sum(1 for c in customers if c.owner_id is None)
    return f"{len(customers)} customers ({pooled} in the pool), {len(follow_ups)} follow-ups, {len(tags)} tags"
