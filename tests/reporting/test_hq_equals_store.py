"""Property: HQ's figures equal each store's own Kanban and metrics.md itself.

Random histories of the two test stores (``tests.reporting.histories``: customers with their pool
ownership timeline, orders with lines, payments, completion and rating, credit terms, follow-ups,
daily enquiries) are written into the store schemas at a random "now" (local midnights included),
HQ's facts are rebuilt from the stores (``rollups.reconcile``), and for ``today``, ``7d``, ``30d``
and a custom range, with and without the channel filter, every headline figure (value and
previous) must satisfy:

1. HQ's figures of one store (``GET /api/v1/hq/dashboard?store=``, and the store's row of the
   dashboard) equal the store's own ``GET /api/v1/kanban`` exactly;
2. HQ's totals of the additive figures are the sums of the stores' figures;
3. every figure, of each store and in total, equals ``tests.reporting.reference``: metrics.md
   computed in plain Python over the generated history, each store over its own local days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from hq_reports import rollups
from tenants.models import Store
from tests.reporting.histories import (
    CANCELLED,
    CLAIM,
    COLLECTION,
    COMPLETED,
    CREDIT,
    PENDING,
    PREPAID,
    REFUND,
    RELEASE,
    SUPPLEMENT,
    CustomerSpec,
    EnquirySpec,
    FollowUpSpec,
    OrderSpec,
    PaymentSpec,
    PoolStep,
    StoreHistory,
    histories,
    write_history,
)
from tests.reporting.reference import Counts, counts, window

pytestmark = pytest.mark.django_db

# Each store's time zone is part of the generated input: UTC+8, UTC-5 (no daylight saving) and UTC,
# each store aggregated over its own local days, at HQ as in the store.
ZONES = ("Asia/Shanghai", "America/Bogota", "UTC")
# "now" falls within 45 days after this date: the last 70 days cross a year end and month ends.
ANCHOR = date(2027, 1, 20)
RANGES = ("today", "7d", "30d", "custom")
PLATFORMS = (None, "tmall")
ADDITIVE = (
    "gmv",
    "orders",
    "paying_customers",
    "new_customers",
    "net_revenue",
    "receivable_overdue",
    "gross_profit",
    "lines_without_cost",
)
MONEY = ("gmv", "aov", "net_revenue", "receivable_overdue", "gross_profit")
ROW_KEYS = (
    "gmv",
    "orders",
    "aov",
    "paying_customers",
    "repurchase_rate",
    "new_customers",
    "conversion_rate",
    "lost_rate",
    "net_revenue",
    "receivable_overdue",
    "gross_profit",
    "gross_margin",
    "lines_without_cost",
)
KANBAN = "/api/v1/kanban"
DASHBOARD = "/api/v1/hq/dashboard"


@dataclass(frozen=True)
class Case:
    now: datetime
    stores: tuple[StoreHistory, StoreHistory]
    range_name: str
    custom: tuple[date, date]  # the dates of a custom range
    platform: str | None  # the channel filter


# Times of day for "now": just after and just before local midnight, and any minute.
CLOCKS = st.one_of(
    st.sampled_from([time(0, 0, 1), time(0, 5), time(23, 59), time(12, 0)]),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)


@st.composite
def cases(draw, ranges: tuple[str, ...] = RANGES) -> Case:
    range_name, platform = draw(st.sampled_from(ranges)), draw(st.sampled_from(PLATFORMS))
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    now = datetime.combine(ANCHOR + timedelta(days=draw(st.integers(0, 45))), draw(CLOCKS), tzinfo=tz)
    first = now.astimezone(tz).date() - timedelta(days=draw(st.integers(0, 60)))
    last = first + timedelta(days=draw(st.integers(0, 35)))
    stores = (draw(histories(now, ZONES, people=2)), draw(histories(now, ZONES, people=1)))
    return Case(
        now=now,
        stores=stores,
        range_name=range_name,
        custom=(first, last),
        platform=platform,
    )


def hand_made_case() -> Case:
    """A small history where every figure of every range has something to count, at 00:05 on
    the first of a month: the explicit examples run it for each range and filter."""
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2027, 3, 1, 0, 5, tzinfo=tz)

    def ago(days: int = 0, minutes: int = 0, seconds: int = 0) -> datetime:
        return now - timedelta(days=days, minutes=minutes) + timedelta(seconds=seconds)

    def order(customer, owner, signed, lines, channel, *, status=PENDING, done=None, rating=None, due=None, pay=()):
        """``due``: days after signing (a credit order), None: prepaid; ``pay``: (kind, amount, at)."""
        return OrderSpec(
            customer=customer,
            owner=owner,
            signed_at=signed,
            # Even products have a cost (60 % of the price), odd ones none.
            lines=tuple(
                (
                    p,
                    q,
                    Decimal(price),
                    (Decimal(price) * Decimal("0.6")).quantize(Decimal("0.01")) if p % 2 == 0 else None,
                )
                for p, q, price in lines
            ),
            channel=channel,
            status=status,
            completed_at=done,
            rating=rating,
            payment_mode=PREPAID if due is None else CREDIT,
            due_date=None if due is None else signed.date() + timedelta(days=due),
            payments=tuple(PaymentSpec(kind, Decimal(amount), at) for kind, amount, at in pay),
        )

    def released(days: int) -> PoolStep:
        return PoolStep(RELEASE, ago(days, seconds=30), 0)

    def claimed(days: int, by: int) -> PoolStep:
        return PoolStep(CLAIM, ago(days, seconds=30), by)

    a = StoreHistory(
        zone="Asia/Shanghai",
        customers=(
            CustomerSpec(ago(40), "tmall", 0, (released(10), claimed(5, by=1))),
            CustomerSpec(ago(3), "jd", None),
            CustomerSpec(ago(minutes=4), "tmall", 1),
            CustomerSpec(ago(20), None, 0, (released(2),)),
            CustomerSpec(ago(25), "tmall", None, (claimed(24, by=0),)),
        ),
        orders=(
            order(
                0,
                0,
                ago(35),
                [(0, 2, "120.50")],
                "tmall",
                status=COMPLETED,
                done=ago(30),
                rating=5,
                due=3,
                pay=[(COLLECTION, "100.00", ago(32))],
            ),
            order(0, 1, ago(6), [(1, 1, "80.00"), (2, 3, "9.99")], "tmall", due=2, pay=[(COLLECTION, "40.00", ago(1))]),
            order(
                2,
                1,
                ago(minutes=3),
                [(0, 1, "55.00")],
                "tmall",
                status=COMPLETED,
                done=ago(minutes=1),
                rating=3,
                pay=[(COLLECTION, "55.00", ago(minutes=2))],
            ),
            order(
                1,
                0,
                ago(3),
                [(1, 1, "300.00")],
                "jd",
                status=CANCELLED,
                pay=[(COLLECTION, "300.00", ago(3)), (REFUND, "300.00", ago(2))],
            ),
            order(3, 0, ago(15), [(2, 4, "25.00")], None, status=COMPLETED, done=ago(10), rating=4, due=1),
            order(
                4,
                0,
                ago(24),
                [(0, 1, "60.00")],
                "tmall",
                status=COMPLETED,
                done=ago(20),
                rating=2,
                due=0,
                pay=[(COLLECTION, "60.00", ago(12)), (SUPPLEMENT, "5.00", ago(12)), (REFUND, "7.50", ago(4))],
            ),
        ),
        follow_ups=(FollowUpSpec(3, ago(8)), FollowUpSpec(0, ago(29)), FollowUpSpec(4, ago(13))),
        enquiries=(
            EnquirySpec(ago(1).date(), "tmall", 12, 5),
            EnquirySpec(now.date(), "tmall", 3, 2),
            EnquirySpec(ago(20).date(), "jd", 7, 7),
            EnquirySpec(ago(40).date(), "tmall", 4, 4),
        ),
    )
    b = StoreHistory(
        zone="Asia/Shanghai",
        customers=(CustomerSpec(ago(2), "tmall", 0, (released(1),)), CustomerSpec(ago(50), "jd", 0)),
        orders=(
            order(0, 0, ago(minutes=5), [(0, 1, "19.90")], "tmall", due=0),
            order(
                1,
                0,
                ago(45),
                [(1, 2, "500.00")],
                "jd",
                status=COMPLETED,
                done=ago(28),
                due=10,
                pay=[(COLLECTION, "250.00", ago(20))],
            ),
            order(1, 0, ago(9), [(2, 1, "70.00")], "tmall", status=COMPLETED, done=ago(8), rating=5),
        ),
        follow_ups=(FollowUpSpec(1, ago(1)),),
        enquiries=(EnquirySpec(ago(3).date(), "tmall", 6, 3),),
    )
    return Case(now=now, stores=(a, b), range_name="today", custom=(date(2027, 2, 1), date(2027, 2, 14)), platform=None)


def each_range_and_filter(ranges: tuple[str, ...]):
    """``hand_made_case`` for each of ``ranges``, with and without the channel filter (explicit
    examples, run before the generated ones)."""

    def decorate(test):
        base = hand_made_case()
        for range_name in ranges:
            for platform in PLATFORMS:
                test = example(case=replace(base, range_name=range_name, platform=platform))(test)
        return test

    return decorate


def query(case: Case, **extra) -> dict:
    params = {"range": case.range_name, **extra}
    if case.range_name == "custom":
        params |= {"start": case.custom[0].isoformat(), "end": case.custom[1].isoformat()}
    if case.platform:
        params["channel"] = case.platform
    return params


def body(client, url: str, params: dict) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.content[:500])
    return response.json()


def as_number(key: str, value):
    return Decimal(value) if key in MONEY and value is not None else value


# 200 generated histories in all, in two halves by range: ``today`` and ``7d`` here, ``30d`` and
# ``custom`` in ``test_hq_equals_store_long.py``, so that two workers of the suite share them.
EXAMPLES_PER_HALF = 100
SHORT_RANGES = ("today", "7d")
LONG_RANGES = ("30d", "custom")
PROPERTY = settings(
    max_examples=EXAMPLES_PER_HALF,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(case=cases(SHORT_RANGES))
@each_range_and_filter(SHORT_RANGES)
def test_hq_figures_equal_each_store_and_metrics_md(case, store_a, store_b, users, api, in_store):
    holds_for(case, store_a, store_b, users, api, in_store)


def test_the_two_halves_cover_every_range_once():
    assert sorted(SHORT_RANGES + LONG_RANGES) == sorted(RANGES)


def holds_for(case: Case, store_a, store_b, users, api, in_store) -> None:
    """Write the case's histories into the two stores, rebuild HQ's facts, and check the three
    properties (rolled back afterwards)."""
    event(f"{case.range_name} channel={case.platform}")
    stores = (store_a, store_b)
    people = ([users.a_sales, users.a_sales2], [users.b_sales])
    admins = (users.a_admin, users.b_admin)
    with override_settings(KANBAN_CACHE_SECONDS=0), time_machine.travel(case.now, tick=False), transaction.atomic():
        try:
            for store, history, staff in zip(stores, case.stores, people, strict=True):
                Store.objects.filter(pk=store.pk).update(timezone=history.zone)
                store.timezone = history.zone
                with in_store(store):
                    write_history(history, people=staff)
                    rollups.reconcile()
            hq = api(users.hq_exec)
            kanban_clients = [api(admin, store) for admin, store in zip(admins, stores, strict=True)]
            failures = check(case, stores, hq, kanban_clients)
            assert not failures, "\n".join(failures)
        finally:
            transaction.set_rollback(True)


def check(case: Case, stores, hq, kanban_clients) -> list[str]:
    """The three properties for the case's range and filter; a line per mismatch."""
    failures = []
    label = f"{case.range_name} channel={case.platform}"

    def compare(what: str, key: str, got, expected) -> None:
        if got != expected:
            failures.append(f"{label} {what} {key}: {got!r} != {expected!r}")

    total = body(hq, DASHBOARD, query(case))
    rows = {row["id"]: row for row in total["stores"]}
    compare("HQ store rows", "ids", sorted(rows), sorted(s.pk for s in stores))
    own_metrics, total_cur, total_prev = [], Counts(), Counts()
    for store, history, client in zip(stores, case.stores, kanban_clients, strict=True):
        name = store.subdomain
        own = body(client, KANBAN, query(case))["metrics"]
        own_metrics.append(own)
        # 1. HQ for this store alone, and the store's row of the whole dashboard, equal its Kanban.
        alone = body(hq, DASHBOARD, query(case, store=store.pk))["metrics"]
        for key, figure in own.items():
            compare(f"HQ?store={name} vs Kanban", key, alone[key], figure)
        for key in ROW_KEYS:
            compare(f"HQ row {name} vs Kanban", key, rows.get(store.pk, {}).get(key), own[key]["value"])
        compare(
            f"HQ row {name} vs Kanban",
            "gmv_previous",
            rows.get(store.pk, {}).get("gmv_previous"),
            own["gmv"]["previous"],
        )
        # 3. The store's Kanban equals metrics.md over its own history and local days.
        w = window(case.range_name, now=case.now, tz=history.tz, custom=case.custom)
        cur, prev = counts(history, w, case.platform), counts(history, w.previous(), case.platform)
        total_cur, total_prev = total_cur + cur, total_prev + prev
        for key, expected in cur.values().items():
            compare(f"Kanban {name} vs metrics.md", key, own[key]["value"], expected)
        for key, expected in prev.values().items():
            compare(f"Kanban {name} vs metrics.md", f"{key} previous", own[key]["previous"], expected)
    metrics = total["metrics"]
    # 2. Additive totals are the sums over the stores.
    for key in ADDITIVE:
        for side in ("value", "previous"):
            summed = sum(as_number(key, own[key][side]) for own in own_metrics)
            compare("HQ total vs sum of stores", f"{key} {side}", as_number(key, metrics[key][side]), summed)
    # 3. Every total, additive or not, equals metrics.md over both histories.
    for key, expected in total_cur.values().items():
        compare("HQ total vs metrics.md", key, metrics[key]["value"], expected)
    for key, expected in total_prev.values().items():
        compare("HQ total vs metrics.md", f"{key} previous", metrics[key]["previous"], expected)
    return failures


def test_today_at_exactly_local_midnight_equals_hq(store_a, users, api):
    """At the very local midnight ``today`` is an empty period: zero figures in the store and at HQ."""
    midnight = datetime.combine(ANCHOR, time.min, tzinfo=ZoneInfo("Asia/Shanghai"))
    with override_settings(KANBAN_CACHE_SECONDS=0), time_machine.travel(midnight, tick=False):
        hq = body(api(users.hq_exec), DASHBOARD, {"range": "today", "store": store_a.pk})["metrics"]
        own = body(api(users.a_admin, store_a), KANBAN, {"range": "today"})["metrics"]

    assert own == hq
