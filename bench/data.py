"""Bulk data for the benchmarks: a store filled with a sales team, customers and follow-ups.

``fill_store(store, customers=100_000, follow_ups=1_000_000)`` writes, in one transaction:

* in the public schema: the store's team -- an admin, ``supervisors`` supervisors with a team of
  ``team_size`` salespeople each, and the other salespeople without a supervisor (real users
  and memberships; one password hash for all, ``common.BENCH_PASSWORD``);
* in the store's schema, with PostgreSQL ``COPY``: tags, customers (Chinese names, companies,
  provinces and cities; valid mainland mobile numbers in several typed forms with their E.164
  ``mobile_normalized``; WeChat ids for half of them, platform chat ids for a third; grades
  A 10 % / B 25 % / C 45 % / D 20 %), their tags, follow-ups, and one pool release per pool
  customer; then ``VACUUM (ANALYZE)`` of those tables, as autovacuum would do after a bulk load
  (statistics for the planner, and the visibility map that index-only scans need).

Ownership and times follow the pool rules of the store (grace and idle days of its settings):
``pool_fraction`` of the customers are in the pool; ``due_fraction`` are owned and past an
automatic release deadline (follow-up overdue past the grace period, or idle too long); every
other owned customer is safe (followed up within the idle period, next follow-up later than
the grace period ago). Customers were created over the last two years; next follow-ups fall
around now. Mobile numbers and chat ids are unique, as the model's constraints demand.

Run alone: ``python -m bench.data --customers 100000 --follow-ups 1000000 [--store SUBDOMAIN]``.
"""

from __future__ import annotations

import argparse
import bisect
import io
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench import common

DAY = 86400.0


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The most frequent surnames first, with rough shares per 1,000 people (王 and 李 about 7 % each).
SURNAME_NAMES = words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 "
    "许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 "
    "姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 欧阳 司马 上官 诸葛 "
)
SURNAME_WEIGHTS = tuple(
    int(n)
    for n in words(
        "71 70 66 53 45 31 22 21 20 19 15 14 13 12 11 11 10 10 10 9 9 9 7 6 6 6 6 5 5 5 5 5 5 5 "
        "5 4 4 4 4 4 4 4 4 4 3 3 3 3 3 3 3 3 3 3 3 3 3 2 2 2 2 2 2 2 1 1 1 1"
    )
)
SURNAMES = tuple(zip(SURNAME_NAMES, SURNAME_WEIGHTS, strict=True))
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕晓东丽娟国庆文斌春梅振宇玉兰德明少华"
    "金凤永刚俊杰红霞立新雪梅子轩浩然欣怡梓涵宇航思远嘉怡雨泽博文佳琪晨阳一鸣天佑凯瑞诗琪家豪婉婷鹏飞宏伟"
)
TITLES = ("", "", "", "", "", "总", "经理", "老板", "主任", "工")
REGIONS = (
    ("广东", ("广州", "深圳", "东莞", "佛山", "中山", "珠海", "惠州")),
    ("江苏", ("苏州", "无锡", "南京", "常州", "南通", "徐州")),
    ("浙江", ("宁波", "杭州", "温州", "嘉兴", "金华", "台州")),
    ("山东", ("青岛", "济南", "潍坊", "临沂", "烟台")),
    ("上海", ("上海",)),
    ("北京", ("北京",)),
    ("天津", ("天津",)),
    ("重庆", ("重庆",)),
    ("河北", ("石家庄", "廊坊", "唐山", "保定")),
    ("河南", ("郑州", "洛阳", "新乡")),
    ("福建", ("厦门", "泉州", "福州")),
    ("湖北", ("武汉", "襄阳", "宜昌")),
    ("湖南", ("长沙", "株洲")),
    ("四川", ("成都", "绵阳")),
    ("安徽", ("合肥", "芜湖")),
    ("江西", ("南昌", "赣州")),
    ("辽宁", ("沈阳", "大连")),
    ("吉林", ("长春",)),
    ("黑龙江", ("哈尔滨",)),
    ("陕西", ("西安",)),
    ("山西", ("太原",)),
    ("广西", ("南宁", "柳州")),
    ("云南", ("昆明",)),
    ("贵州", ("贵阳",)),
    ("海南", ("海口",)),
    ("甘肃", ("兰州",)),
    ("内蒙古", ("呼和浩特",)),
    ("新疆", ("乌鲁木齐",)),
    ("宁夏", ("银川",)),
    ("青海", ("西宁",)),
    ("西藏", ("拉萨",)),
)
# Weights of REGIONS: the manufacturing and logistics provinces buy most.
REGION_WEIGHTS = (14, 12, 11, 8, 6, 4, 3, 3, 4, 4, 4, 3, 3, 3, 3, 2, 2, 1, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1)
COMPANY_WORDS = words(
    "恒通 鑫源 华盛 永信 宏达 顺源 联合 金桥 东方 远航 瑞丰 天成 中利 汇丰 盛世 新华 龙腾 "
    "海纳 佳美 正泰 通达 长江 泰和 嘉禾 万通 华美 凯达 宝丰 "
)
COMPANY_TRADES = words(
    "物流有限公司 仓储服务有限公司 食品有限公司 化工有限公司 医药有限公司 电子科技有限公司 "
    "供应链管理有限公司 机械制造有限公司 饮料有限公司 商贸有限公司 包装材料有限公司 五金制品厂 "
)
STREETS = ("工业园区", "经济开发区", "物流园", "高新区", "保税区", "科技园", "产业园")
TAGS = words(
    "重点客户 经销商 电商平台 终端工厂 物流仓储 老客户 价格敏感 大批量 定制需求 出口 食品行业 "
    "医药行业 化工行业 汽配行业 电子行业 年度合同 需回访 投诉过 转介绍 展会 官网询盘 "
    "1688询盘 抖音线索 招投标 样品已寄 "
)
# Mainland mobile prefixes (three digits) that libphonenumber accepts as CN mobiles.
MOBILE_PREFIXES = tuple(
    [str(p) for p in range(130, 140)]
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"]
    + ["166", "176", "177", "178"]
    + [str(p) for p in range(180, 190)]
    + ["198", "199"]
)
FOLLOW_UP_KINDS = (("call", 45), ("wechat", 35), ("visit", 6), ("platform_chat", 10), ("email", 2), ("other", 2))
FOLLOW_UP_TEXTS = (
    "电话沟通，客户对塑料托盘有兴趣，需要报价",
    "微信发送了产品目录和价格表",
    "客户询问川字托盘的承重参数",
    "上门拜访，参观了客户仓库，需求约{n}百个",
    "客户反馈价格偏高，再跟进",
    "已寄样品，等待客户试用反馈",
    "客户暂时没有采购计划，下月再联系",
    "确认了交货期和付款方式",
    "客户要求提供质检报告",
    "旺旺咨询九脚托盘，已报价",
    "客户在比价，约好下周回复",
    "老客户复购意向，数量{n}百个左右",
    "客户负责人出差，改天再打",
    "沟通了定制尺寸，需要技术确认",
    "邮件发送了合同草稿",
)
OUTCOMES = ("", "", "有意向", "待报价", "已报价", "无需求", "未接通", "约了再联系")
GRADES = (("A", 10), ("B", 25), ("C", 45), ("D", 20))
INTENTIONS = (("", 40), ("high", 15), ("medium", 25), ("low", 20))


@dataclass
class Team:
    admin: object
    supervisors: list = field(default_factory=list)
    salespeople: list = field(default_factory=list)
    # salesperson id -> supervisor id (None: no team)
    supervisor_of: dict = field(default_factory=dict)

    @property
    def users(self) -> list:
        return [self.admin, *self.supervisors, *self.salespeople]


def _email(store, label: str) -> str:
    return f"bench.{label}@{store.subdomain}.bench.example.com"


def make_team(store, *, salespeople: int = 20, supervisors: int = 2, team_size: int = 5, rng=None) -> Team:
    """The store's people (idempotent: existing bench users of the store are reused)."""
    from django.contrib.auth.hashers import make_password

    from shared_apps.accounts.models import User
    from shared_apps.accounts.roles import StoreRole

    rng = rng or random.Random(7)
    password = make_password(common.BENCH_PASSWORD)
    wanted = [("admin", "店长 " + person(rng), StoreRole.ADMIN)]
    wanted += [(f"sup{i:02d}", "主管 " + person(rng), StoreRole.SUPERVISOR) for i in range(1, supervisors + 1)]
    wanted += [(f"sales{i:02d}", "销售 " + person(rng), StoreRole.SALESPERSON) for i in range(1, salespeople + 1)]
    emails = {_email(store, label): (name, role) for label, name, role in wanted}
    existing = {u.email: u for u in User.objects.filter(email__in=list(emails))}
    User.objects.bulk_create(
        [User(email=e, name=name, password=password) for e, (name, _role) in emails.items() if e not in existing]
    )
    users = {u.email: u for u in User.objects.filter(email__in=list(emails))}
    team = Team(admin=users[_email(store, "admin")])
    team.supervisors = [users[_email(store, f"sup{i:02d}")] for i in range(1, supervisors + 1)]
    team.salespeople = [users[_email(store, f"sales{i:02d}")] for i in range(1, salespeople + 1)]
    for index, member in enumerate(team.salespeople):
        team_index = index // team_size
        team.supervisor_of[member.pk] = team.supervisors[team_index].pk if team_index < supervisors else None
    add_memberships(store, team)
    return team


def add_memberships(store, team: Team) -> None:
    """The team's memberships in ``store`` (used again for stores cloned from a filled one)."""
    from shared_apps.accounts.models import Membership
    from shared_apps.accounts.roles import StoreRole

    have = set(Membership.objects.filter(store=store).values_list("user_id", flat=True))
    rows = [Membership(user=team.admin, store=store, role=StoreRole.ADMIN)]
    rows += [Membership(user=s, store=store, role=StoreRole.SUPERVISOR) for s in team.supervisors]
    rows += [
        Membership(user=s, store=store, role=StoreRole.SALESPERSON, supervisor_id=team.supervisor_of.get(s.pk))
        for s in team.salespeople
    ]
    Membership.objects.bulk_create([m for m in rows if m.user_id not in have])


def person(rng: random.Random) -> str:
    surname = rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM)[0]
    size = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(size))


_SURNAME_NAMES = [s for s, _w in SURNAMES]
_SURNAME_CUM = list(itertools.accumulate(w for _s, w in SURNAMES))


def _weighted(pairs):
    values = [v for v, _w in pairs]
    return values, list(itertools.accumulate(w for _v, w in pairs))


def _ts(epoch: float | None) -> str:
    """A COPY text value of a timestamptz (``\\N`` for NULL)."""
    if epoch is None:
        return "\\N"
    return datetime.fromtimestamp(epoch, UTC).isoformat(sep=" ")


def _copy(cursor, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for start in range(0, len(lines), 20_000):
            buffer.seek(0)
            buffer.truncate()
            buffer.writelines(lines[start : start + 20_000])
            copy.write(buffer.getvalue())


CUSTOMER_COLUMNS = (
    "id", "name", "company", "mobile", "mobile_normalized", "wechat_id", "platform_chat_id", "province", "city",
    "address", "grade", "product_preferences", "intention_level", "intention_note", "owner_since",
    "return_visit_deadline", "released_at", "next_follow_up_at", "last_follow_up_at", "reminded_for",
    "release_warned_for", "created_at", "updated_at", "channel_id", "created_by_id", "merged_into_id", "owner_id",
)  # fmt: skip
FOLLOW_UP_COLUMNS = ("id", "kind", "content", "outcome", "next_follow_up_at", "created_at", "author_id", "customer_id")
RELEASE_COLUMNS = ("id", "cause", "reason", "deadline", "at", "by_id", "customer_id", "former_owner_id")


def mobile_number(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    while True:
        digits = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
        if digits not in taken:
            taken.add(digits)
            break
    form = rng.random()
    if form < 0.6:
        typed = digits
    elif form < 0.75:
        typed = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    elif form < 0.85:
        typed = f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
    elif form < 0.95:
        typed = f"+86{digits}"
    else:
        typed = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return typed, f"+86{digits}"


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def handle(rng: random.Random, number: int, prefix: str = "") -> str:
    """A unique id of letters then digits (``number`` makes it unique)."""
    return prefix + "".join(rng.choice(_LETTERS) for _ in range(rng.randint(3, 8))) + str(number)


@common.without_action_log
def fill_store(
    store,
    *,
    customers: int,
    follow_ups: int,
    pool_fraction: float = 0.15,
    due_fraction: float = 0.05,
    salespeople: int = 20,
    seed: int = 1,
    now: datetime | None = None,
    team: Team | None = None,
    quiet: bool = False,
) -> dict:
    """Fill ``store`` (its schema must hold no customers yet) and VACUUM (ANALYZE) it. Returns counts and
    timings. Outside a transaction: VACUUM cannot run inside one (then only ANALYZE)."""
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from tenant_apps.workspace.selectors import channel_list, store_settings_get

    started = time.perf_counter()
    rng = random.Random(seed)
    now_ts = (now or datetime.now(UTC)).timestamp()
    schema = store.schema_name
    quote = connection.ops.quote_name

    team = team or make_team(store, salespeople=salespeople, rng=rng)
    sales_ids = [u.pk for u in team.salespeople]
    # Some salespeople hold many more customers than others.
    sales_cum = list(itertools.accumulate(rng.uniform(0.4, 1.6) for _ in sales_ids))
    with schema_context(schema):
        settings_row = store_settings_get()
        grace, idle = float(settings_row.pool_grace_days), float(settings_row.pool_max_idle_days)
        channel_ids = [c.pk for c in channel_list()]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {quote(schema)}.customers_customer")
            if cursor.fetchone()[0]:
                raise RuntimeError(f"store {store.subdomain} already has customers")
    grade_values, grade_cum = _weighted(GRADES)
    intention_values, intention_cum = _weighted(INTENTIONS)
    kind_values, kind_cum = _weighted(FOLLOW_UP_KINDS)
    region_cum = list(itertools.accumulate(REGION_WEIGHTS))

    # 1. Who is where: pool, due for release, or safely owned; when each customer was created.
    created = [now_ts - rng.uniform(0, 730) * DAY for _ in range(customers)]
    state = ["owned"] * customers
    order = list(range(customers))
    rng.shuffle(order)
    pool_count = round(customers * pool_fraction)
    for i in order[:pool_count]:
        state[i] = "pool"
    old_enough = [i for i in order[pool_count:] if created[i] < now_ts - (idle + grace + 30) * DAY]
    for i in old_enough[: round(customers * due_fraction)]:
        state[i] = "overdue" if rng.random() < 0.5 else "idle"

    # 2. How many follow-ups each has: one for every owned customer that needs one to be safe,
    # the rest spread with skewed weights (active owned customers get more).
    counts = [0] * customers
    for i in range(customers):
        if state[i] == "owned" and created[i] < now_ts - (idle - 5) * DAY:
            counts[i] = 1
    left = max(0, follow_ups - sum(counts))
    weights = [rng.expovariate(1.0) * (1.5 if state[i] == "owned" else 1.0) for i in range(customers)]
    for i, extra in Counter(rng.choices(range(customers), weights=weights, k=left)).items():
        counts[i] += extra

    # 3. Tags.
    tag_ids = {}
    # The store's schema on the path: its triggers name their helper functions without one.
    with schema_context(schema), transaction.atomic(), connection.cursor() as cursor:
        tag_table = f"{quote(schema)}.customers_tag"
        for name in TAGS:
            cursor.execute(
                f"INSERT INTO {tag_table} (name, color, created_at) VALUES (%s, '', now()) "
                "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                [name],
            )
            tag_ids[name] = cursor.fetchone()[0]
    tag_id_list = list(tag_ids.values())

    # 4. The rows.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(max(id), 0) FROM {quote(schema)}.customers_customer UNION ALL "
            f"SELECT coalesce(max(id), 0) FROM {quote(schema)}.customers_followup UNION ALL "
            f"SELECT coalesce(max(id), 0) FROM {quote(schema)}.pool_release UNION ALL "
            f"SELECT coalesce(max(id), 0) FROM {quote(schema)}.customers_customer_tags"
        )
        base_customer, base_follow_up, base_release, base_tag_link = (row[0] for row in cursor.fetchall())
    mobiles: set[str] = set()
    customer_lines: list[str] = []
    follow_up_lines: list[str] = []
    release_lines: list[str] = []
    tag_lines: list[str] = []
    follow_up_id, release_id, tag_link_id = base_follow_up, base_release, base_tag_link
    safe_last_from = now_ts - (idle - 2) * DAY
    for i in range(customers):
        cid = base_customer + i + 1
        c_at = created[i]
        k = counts[i]
        kind = state[i]
        owner = None
        owner_since = released = nxt = last = None
        if kind == "pool":
            released = rng.uniform(c_at, now_ts)
            last = rng.uniform(c_at, released) if k else None
        elif kind == "owned":
            owner = sales_ids[bisect.bisect(sales_cum, rng.random() * sales_cum[-1])]
            if k:
                last = rng.uniform(max(c_at, safe_last_from), now_ts)
                if rng.random() < 0.85:
                    # Next follow-up between "just inside the grace period" and a month ahead, after the last.
                    low = max(last, now_ts - (grace - 0.5) * DAY)
                    nxt = rng.uniform(low, now_ts + 30 * DAY)
            else:  # a new customer: created within the idle period
                nxt = rng.uniform(max(c_at, now_ts - (grace - 0.5) * DAY), now_ts + 14 * DAY)
            owner_since = c_at if rng.random() < 0.85 else rng.uniform(c_at, last or c_at)
        else:  # due: past the overdue or the idle deadline
            owner = sales_ids[bisect.bisect(sales_cum, rng.random() * sales_cum[-1])]
            owner_since = c_at
            if kind == "overdue":
                nxt = now_ts - (grace + rng.uniform(0.5, 20)) * DAY
                nxt = max(nxt, c_at + DAY)
                last = rng.uniform(max(c_at, nxt - 20 * DAY), nxt - 0.1 * DAY) if k else None
            else:
                last = now_ts - (idle + rng.uniform(0.5, 90)) * DAY
                last = max(last, c_at + 60)
                if not k:
                    last = None
                if rng.random() < 0.5 and last is not None:
                    nxt = last - rng.uniform(0, 2) * DAY
        name = rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM)[0]
        name += "".join(rng.choice(GIVEN_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
        name += rng.choice(TITLES)
        province, cities = REGIONS[bisect.bisect(region_cum, rng.random() * region_cum[-1])]
        city = rng.choice(cities)
        company = ""
        if rng.random() < 0.8:
            company = city + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_TRADES)
        if rng.random() < 0.95:
            mobile, normalized = mobile_number(rng, mobiles)
        else:
            mobile = normalized = ""
        wechat = handle(rng, cid, "wx_" if rng.random() < 0.3 else "") if rng.random() < 0.5 else ""
        chat = handle(rng, cid, "tb_") if rng.random() < 0.33 else ""
        address = f"{city}{rng.choice(STREETS)}{rng.randint(1, 300)}号" if rng.random() < 0.6 else ""
        grade = rng.choices(grade_values, cum_weights=grade_cum)[0]
        intention = rng.choices(intention_values, cum_weights=intention_cum)[0]
        channel = rng.choice(channel_ids) if channel_ids and rng.random() < 0.7 else None
        creator = owner or rng.choice(sales_ids)
        updated = max(x for x in (c_at, last, released) if x is not None)
        customer_lines.append(
            "\t".join(
                (
                    str(cid), name, company, mobile, normalized, wechat, chat, province, city, address, grade,
                    "[]", intention, "", _ts(owner_since), "\\N", _ts(released), _ts(nxt), _ts(last), "\\N",
                    "\\N", _ts(c_at), _ts(updated), "\\N" if channel is None else str(channel), str(creator),
                    "\\N", "\\N" if owner is None else str(owner),
                )
            )
            + "\n"
        )  # fmt: skip
        if k:
            author = owner or creator
            times = sorted(rng.uniform(c_at, last) for _ in range(k - 1))
            times.append(last)
            for n, at in enumerate(times):
                follow_up_id += 1
                planned = times[n + 1] if n + 1 < k else (nxt if nxt is not None and nxt > last else None)
                if planned is not None and rng.random() < 0.3:
                    planned = None
                text = rng.choice(FOLLOW_UP_TEXTS)
                if "{n}" in text:
                    text = text.replace("{n}", str(rng.randint(1, 50)))
                follow_up_lines.append(
                    f"{follow_up_id}\t{rng.choices(kind_values, cum_weights=kind_cum)[0]}\t{text}\t"
                    f"{rng.choice(OUTCOMES)}\t{_ts(planned)}\t{_ts(at)}\t{author}\t{cid}\n"
                )
        if kind == "pool":
            release_id += 1
            cause = rng.choice(("overdue", "idle", "idle", "manual"))
            deadline = "\\N" if cause == "manual" else _ts(released - rng.uniform(0, 0.01) * DAY)
            reason = "客户暂无需求" if cause == "manual" else ""
            by = str(creator) if cause == "manual" else "\\N"
            release_lines.append(
                f"{release_id}\t{cause}\t{reason}\t{deadline}\t{_ts(released)}\t{by}\t{cid}\t{creator}\n"
            )
        if rng.random() < 0.4:
            for tag in rng.sample(tag_id_list, rng.randint(1, 3)):
                tag_link_id += 1
                tag_lines.append(f"{tag_link_id}\t{cid}\t{tag}\n")
    generated = time.perf_counter() - started
    if not quiet:
        print(
            f"  generated {len(customer_lines)} customers, {len(follow_up_lines)} follow-ups, "
            f"{len(release_lines)} releases, {len(tag_lines)} tag links in {generated:.1f} s",
            flush=True,
        )

    # 5. COPY them in, in one transaction; then the sequences and fresh statistics.
    q = quote(schema)
    copy_started = time.perf_counter()
    with transaction.atomic():
        raw = connection.connection  # the psycopg connection, inside Django's transaction
        with raw.cursor() as cursor:
            # The store's triggers name its tables unqualified: they resolve through the search path.
            cursor.execute(f"SET LOCAL search_path TO {q}, public")
            _copy(cursor, f"{q}.customers_customer", CUSTOMER_COLUMNS, customer_lines)
            _copy(cursor, f"{q}.customers_customer_tags", ("id", "customer_id", "tag_id"), tag_lines)
            _copy(cursor, f"{q}.customers_followup", FOLLOW_UP_COLUMNS, follow_up_lines)
            _copy(cursor, f"{q}.pool_release", RELEASE_COLUMNS, release_lines)
            for table in ("customers_customer", "customers_customer_tags", "customers_followup", "pool_release"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{q}.{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {q}.{table}))"
                )
    copied = time.perf_counter() - copy_started
    analyze_started = time.perf_counter()
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in ("customers_customer", "customers_customer_tags", "customers_followup", "pool_release"):
            cursor.execute(f"{command} {q}.{table}")
    analyzed = time.perf_counter() - analyze_started
    total = time.perf_counter() - started
    states = Counter(state)
    result = {
        "store": store.subdomain,
        "customers": len(customer_lines),
        "follow_ups": len(follow_up_lines),
        "pool": states["pool"],
        "due_overdue": states["overdue"],
        "due_idle": states["idle"],
        "releases": len(release_lines),
        "tag_links": len(tag_lines),
        "salespeople": len(sales_ids),
        "seconds": {
            "generate": round(generated, 2),
            "copy": round(copied, 2),
            "vacuum_analyze": round(analyzed, 2),
            "total": round(total, 2),
        },
    }
    if not quiet:
        print(f"  COPY {copied:.1f} s, {command} {analyzed:.1f} s; total {total:.1f} s", flush=True)
    return result


def bench_store(subdomain: str, *, channels=("tmall", "jd")):
    """The store named ``subdomain``, provisioned through the real path if it does not exist."""
    from tenants.models import Store
    from tenants.provisioning import create_store_now

    store = Store.objects.filter(subdomain=subdomain).first()
    if store is None:
        store = create_store_now(
            name=f"Bench {subdomain}", subdomain=subdomain, owner=common.bench_owner(), channels=list(channels)
        )
    return store


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.data", description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="bench-data", help="subdomain of the store to fill (made if missing)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--follow-ups", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drop", action="store_true", help="drop the store afterwards (a timing run only)")
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=False)
    store = bench_store(args.store)
    print(f"filling store {store.subdomain} (schema {store.schema_name})", flush=True)
    result = fill_store(store, customers=args.customers, follow_ups=args.follow_ups, seed=args.seed)
    print(result)
    if args.drop:
        common.drop_store(store)
        common.after_bulk_change()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
