"""The day rollups (``DayRollup`` and its appended changes) always equal a direct computation over the
facts, written here in plain Python: after drains of new, changed, cancelled and deleted orders,
lines, payments and enquiries, after facts written directly (as a repair or a mistake would), after a
reconciliation, when a store moves to another zone or leaves the rollups, and after a fold. The
dashboard over every store reads them and gives what the facts give."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hq_reports import dashboard, rollups, selectors
from hq_reports.dashboard import dashboard_body
from hq_reports.models import (
    DAY_ROLLUP_KEY,
    DAY_ROLLUP_SUMS,
    DayRollup,
    DayRollupDelta,
    EnquiryFact,
    OrderFact,
    OrderLineFact,
    PaymentFact,
    StoreFeed,
)
from shared_apps.reporting.periods import resolve_period
from tenant_apps.customers.models import FollowUp
from tenant_apps.enquiries.models import DailyEnquiry
from tenant_apps.finance.models import Payment
from tenant_apps.outbox.services import publish
from tenant_apps.sales.models import Order, OrderLine
from tenants.models import Store
from tests.factories.hq import make_history
from tests.factories.sales import make_order, make_product

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 4, 10, 15, tzinfo=TZ)
SECTIONS = (
    "metrics",
    "stores",
    "subsidiaries",
    "channels",
    "product_ranking",
    "category_ranking",
    "sales_trend",
    "customer_mix",
    "geography",
    "devices",
)


def _local_day(moment: date | datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date() if isinstance(moment, datetime) else moment


def expected_day_rollups(store_ids=None) -> dict:
    """Every day rollup sum, computed from the facts of each store with a zone (of ``store_ids``), in Python."""
    sums: dict[tuple, list] = defaultdict(lambda: [0] * len(DAY_ROLLUP_SUMS))

    def add(zone, part, moment, platform, device="", province="", sku="", name="", category="", **values):
        slot = sums[(zone, part, _local_day(moment, ZoneInfo(zone)), platform, device, province, sku, name, category)]
        slot[0] += 1
        for index, measure in enumerate(DAY_ROLLUP_SUMS):
            slot[index] += values.get(measure, 0)

    feeds = StoreFeed.objects.exclude(rollup_zone="")
    if store_ids is not None:
        feeds = feeds.filter(store_id__in=store_ids)
    for feed in feeds:
        zone, store = feed.rollup_zone, feed.store_id
        for o in OrderFact.objects.filter(store_id=store, cancelled=False):
            add(zone, "orders", o.signed_at, o.platform, o.device, o.province, amount=o.amount)
            if o.completed_at is not None:
                add(
                    zone,
                    "completed",
                    o.completed_at,
                    o.platform,
                    rated=int(o.rating is not None),
                    positive=int((o.rating or 0) >= 4),
                    revisited=int(o.revisited),
                )
        for line in OrderLineFact.objects.filter(store_id=store, cancelled=False):
            add(
                zone,
                "lines",
                line.signed_at,
                line.platform,
                sku=line.sku,
                name=line.product_name,
                category=line.category_name,
                amount=line.amount,
                quantity=line.quantity,
                sku_orders=int(line.first_of_sku),
                category_orders=int(line.first_of_category),
            )
        for p in PaymentFact.objects.filter(store_id=store):
            add(zone, "payments", p.confirmed_at, p.platform, amount=-p.amount if p.kind == "refund" else p.amount)
        for e in EnquiryFact.objects.filter(store_id=store):
            add(zone, "enquiries", e.day, e.platform, new_enquiries=e.new_enquiries)
    return {key: tuple(values) for key, values in sums.items()}


def held_day_rollups() -> dict:
    """The sums as held: the folded rows and the appended changes, per key (keys holding nothing left out)."""
    held: dict[tuple, list] = defaultdict(lambda: [0] * len(DAY_ROLLUP_SUMS))
    for model in (DayRollup, DayRollupDelta):
        for row in model.objects.values_list(*DAY_ROLLUP_KEY, *DAY_ROLLUP_SUMS):
            zone, part, day, platform, device, province, sku, name, category, *values = row
            slot = held[(zone, part, day, platform, device, province, sku, name, category)]
            for index, value in enumerate(values):
                slot[index] += value
    return {key: tuple(values) for key, values in held.items() if any(values)}


def assert_day_rollups_exact() -> dict:
    expected, held = expected_day_rollups(), held_day_rollups()
    assert held == expected
    assert rollups.day_rollup_differences() == 0
    return held


@pytest.fixture
def drained(store_a, store_b, users, in_store):
    """Two stores with varied histories, drained; store B keeps Bogota's time."""
    Store.objects.filter(pk=store_b.pk).update(timezone="America/Bogota")
    store_b.timezone = "America/Bogota"
    with in_store(store_a):
        make_history(owners=[users.a_sales, users.a_sales2], now=NOW, seed=31)
        rollups.drain()
    with in_store(store_b):
        make_history(owners=[users.b_sales, users.b_admin], now=NOW, seed=32)
        rollups.drain()
    return store_a, store_b


def test_a_drain_sums_every_fact_in_its_stores_zone(drained):
    assert_day_rollups_exact()
    mine = expected_day_rollups(store_ids=[store.pk for store in drained])
    assert {key[0] for key in mine} == {"Asia/Shanghai", "America/Bogota"}
    assert {key[1] for key in mine} == {"orders", "completed", "lines", "payments", "enquiries"}
    # Real sums: refunds, ratings, return visits.
    assert any(values[1] < 0 for key, values in mine.items() if key[1] == "payments")
    assert sum(values[5] for key, values in mine.items() if key[1] == "completed") > 0
    assert sum(values[7] for key, values in mine.items() if key[1] == "completed") > 0
    assert StoreFeed.objects.get(store=drained[1]).rollup_zone == "America/Bogota"


def test_inserts_changes_cancels_and_deletes_drained_again_keep_the_sums_exact(drained, users, in_store):
    store_a, _store_b = drained
    before = held_day_rollups()
    with in_store(store_a):
        orders = list(Order.objects.exclude(status=Order.Status.CANCELLED).order_by("signed_at", "pk"))
        # Insert: an order with two lines of one product and a confirmed collection.
        product = make_product(sku="PAL-DAY")
        new = make_order(
            customer=orders[0].customer,
            owner=users.a_sales,
            lines=[(product, 1, "30.00"), (product, 2, "10.00")],
            signed_at=NOW - timedelta(hours=1),
        )
        payment = Payment.objects.create(
            order=new,
            kind=Payment.Kind.COLLECTION,
            amount=Decimal("50.00"),
            method=Payment.Method.CASH,
            status=Payment.Status.CONFIRMED,
            confirmed_at=NOW - timedelta(minutes=30),
        )
        publish(topic="order", entity_id=new.pk)
        publish(topic="payment", entity_id=payment.pk)
        # Change: cancel one order, move another across local midnight and to another device,
        # complete and rate a third.
        cancelled, moved, rated = orders[1], orders[2], orders[3]
        Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED, cancelled_at=NOW)
        Order.objects.filter(pk=moved.pk).update(
            signed_at=moved.signed_at.astimezone(TZ).replace(hour=0, minute=0) - timedelta(minutes=1), device="app"
        )
        Order.objects.filter(pk=rated.pk).update(
            status=Order.Status.COMPLETED, completed_at=NOW - timedelta(days=1), rating=5
        )
        for order in (cancelled, moved, rated):
            publish(topic="order", entity_id=order.pk)
        # A return visit won (the completed order's flag).
        visit = FollowUp.objects.create(
            customer=rated.customer,
            author_id=users.a_sales.pk,
            kind=FollowUp.Kind.CALL,
            content="back",
            created_at=NOW - timedelta(hours=20),
        )
        publish(topic="follow_up", entity_id=visit.pk)
        # Delete: an order with its lines and payments, and a day's enquiry figures changed.
        gone = orders[4]
        Payment.objects.filter(order=gone).delete()
        OrderLine.objects.filter(order=gone).delete()
        Order.objects.filter(pk=gone.pk).delete()
        publish(topic="order", entity_id=gone.pk)
        enquiry = DailyEnquiry.objects.order_by("pk").first()
        DailyEnquiry.objects.filter(pk=enquiry.pk).update(new_enquiries=enquiry.new_enquiries + 7)
        publish(topic="enquiry", entity_id=enquiry.pk)

        rollups.drain()

    after = assert_day_rollups_exact()
    assert after != before
    assert not OrderFact.objects.filter(store=store_a, order_id=gone.pk).exists()
    assert OrderFact.objects.get(store=store_a, order_id=rated.pk).revisited


def test_facts_written_directly_and_a_reconciliation_keep_the_sums_exact(drained, in_store):
    store_a, _store_b = drained
    # As a mistake or a manual repair would: every statement on the facts is summed, whoever writes.
    first = OrderFact.objects.filter(store=store_a, cancelled=False).order_by("pk").first()
    OrderFact.objects.filter(pk=first.pk).update(amount=first.amount + Decimal("1.00"))
    OrderLineFact.objects.filter(pk=OrderLineFact.objects.filter(store=store_a).order_by("pk")[0].pk).delete()
    PaymentFact.objects.filter(store=store_a).update(platform="jd")
    assert_day_rollups_exact()

    with in_store(store_a):
        rollups.reconcile()

    assert_day_rollups_exact()
    assert OrderFact.objects.get(store=store_a, order_id=first.order_id).amount == first.amount


def test_the_fold_moves_the_appended_changes_without_changing_any_sum(drained, in_store):
    assert DayRollupDelta.objects.exists()
    held = assert_day_rollups_exact()

    folded = rollups.fold_day_rollups()

    assert folded["changes"] > 0
    assert not DayRollupDelta.objects.exists()
    assert assert_day_rollups_exact() == held
    assert rollups.fold_day_rollups() == {"changes": 0, "rows": 0}
    # A day whose facts all go leaves no row behind once folded.
    store_a, _store_b = drained
    day_orders = OrderFact.objects.filter(store=store_a, cancelled=False).order_by("signed_at")
    first = day_orders.first().signed_at.astimezone(TZ).date()
    OrderFact.objects.filter(
        store=store_a,
        signed_at__gte=datetime.combine(first, datetime.min.time(), tzinfo=TZ),
        signed_at__lt=datetime.combine(first + timedelta(days=1), datetime.min.time(), tzinfo=TZ),
    ).delete()
    rollups.fold_day_rollups()
    assert_day_rollups_exact()
    assert DayRollup.objects.filter(facts=0).count() == 0


def every_store() -> list:
    """The stores the dashboard lists (other tests' committed stores included)."""
    return dashboard.store_refs(selectors.store_list())


def test_a_store_moved_to_another_zone_has_its_sums_moved_by_its_next_drain(drained, in_store):
    store_a, _store_b = drained
    period = resolve_period(range="30d", now=NOW)
    Store.objects.filter(pk=store_a.pk).update(timezone="America/Bogota")
    store_a.timezone = "America/Bogota"
    stores = every_store()
    # Not drained since: its sums are still in Shanghai's days, and both zones read the facts.
    zones = dashboard.day_rollup_zones(stores, dashboard.store_feeds(stores, every=True))
    assert not zones & {"Asia/Shanghai", "America/Bogota"}
    assert dashboard_body(period=period, stores=stores) == dashboard_body(
        period=period, stores=stores, all_stores=False
    )

    with in_store(store_a):
        rollups.drain()

    assert_day_rollups_exact()
    assert {key[0] for key in expected_day_rollups(store_ids=[store_a.pk])} == {"America/Bogota"}
    assert "America/Bogota" in dashboard.day_rollup_zones(stores, dashboard.store_feeds(stores, every=True))


def test_a_store_leaving_the_rollups_takes_its_sums_out(drained):
    store_a, store_b = drained
    for store in (store_b, store_a):
        before, own = held_day_rollups(), expected_day_rollups(store_ids=[store.pk])
        assert own
        if store is store_b:
            StoreFeed.objects.filter(store=store).delete()
        else:
            StoreFeed.objects.filter(store=store).update(rollup_zone="")
        after = assert_day_rollups_exact()
        for key in set(before) | set(after):
            taken = tuple(b - a for b, a in zip(before.get(key, (0,) * 9), after.get(key, (0,) * 9), strict=True))
            assert taken == own.get(key, (0,) * 9), key


def test_a_store_never_drained_keeps_its_zone_on_the_facts_only_if_it_holds_facts(drained):
    _store_a, store_b = drained
    period = resolve_period(range="30d", now=NOW)
    # Store B as before its first drain: no feed, no facts.
    for model in (OrderFact, OrderLineFact, PaymentFact, EnquiryFact):
        model.objects.filter(store=store_b).delete()
    StoreFeed.objects.filter(store=store_b).delete()
    stores = every_store()

    assert "America/Bogota" in dashboard.day_rollup_zones(stores, dashboard.store_feeds(stores, every=True))
    assert dashboard_body(period=period, stores=stores) == dashboard_body(
        period=period, stores=stores, all_stores=False
    )

    # Facts written without a drain: summed nowhere, so that zone reads the facts.
    fact = OrderFact.objects.filter(store=_store_a, cancelled=False).order_by("pk").first()  # one that counts
    fact.pk, fact.store_id, fact.signed_at = None, store_b.pk, NOW - timedelta(days=1)
    fact.save()
    assert "America/Bogota" not in dashboard.day_rollup_zones(stores, dashboard.store_feeds(stores, every=True))
    body = dashboard_body(period=period, stores=stores)
    assert body == dashboard_body(period=period, stores=stores, all_stores=False)
    assert next(row for row in body["stores"] if row["id"] == store_b.pk)["orders"] == 1


def test_a_rollup_row_out_of_step_is_found_and_repaired(drained):
    rollups.fold_day_rollups()
    row = DayRollup.objects.filter(part="orders").order_by("pk").first()
    DayRollup.objects.filter(pk=row.pk).update(amount=row.amount + 5, facts=row.facts + 1)
    DayRollup.objects.create(zone="Asia/Shanghai", day=date(2020, 1, 1), part="orders", facts=3, amount=9)
    assert rollups.day_rollup_differences() == 2

    assert rollups.repair_day_rollups() == 2

    assert_day_rollups_exact()
    assert not DayRollupDelta.objects.exists()


def test_draining_one_changed_order_appends_changes_of_its_own_days_only(drained, in_store):
    store_a, _store_b = drained
    rollups.fold_day_rollups()
    with in_store(store_a):
        order = Order.objects.exclude(status=Order.Status.CANCELLED).order_by("pk").first()
        Order.objects.filter(pk=order.pk).update(amount=order.amount + 1)
        publish(topic="order", entity_id=order.pk)
        rollups.drain()
    # The order's fact, lines and payments were replaced: each statement appended what it took out
    # or put in, for the order's own days only, and only the order's gmv changed.
    assert DayRollupDelta.objects.count() <= 12
    net = defaultdict(Decimal)
    for row in DayRollupDelta.objects.all():
        net[(row.part, row.day, row.platform, row.device, row.province, row.sku)] += row.amount
    changed = {key: amount for key, amount in net.items() if amount}
    signed = order.signed_at.astimezone(TZ).date()
    assert changed == {("orders", signed, *next(iter(changed))[2:]): Decimal("1.00")}
    assert_day_rollups_exact()


@pytest.mark.parametrize("range_name", ["7d", "30d", "custom"])
@pytest.mark.parametrize("platform", [None, "tmall"])
def test_the_dashboard_over_every_store_reads_the_day_rollups_and_equals_the_facts(
    drained, range_name, platform, monkeypatch
):
    stores = every_store()
    if range_name == "custom":
        period = resolve_period(range="custom", start=date(2026, 1, 20), end=date(2026, 2, 10), now=NOW)
    else:
        period = resolve_period(range=range_name, now=NOW)
    calls = []
    reader = dashboard.day_rollup_figures
    monkeypatch.setattr(dashboard, "day_rollup_figures", lambda *a, **k: calls.append(a[1]) or reader(*a, **k))

    for folded in (False, True):
        if folded:
            rollups.fold_day_rollups()
        calls.clear()
        every = dashboard_body(period=period, stores=stores, platform=platform)
        assert {"America/Bogota", "Asia/Shanghai"} <= set(calls)
        facts = dashboard_body(period=period, stores=stores, platform=platform, all_stores=False)
        for section in SECTIONS:
            assert every[section] == facts[section], (section, folded)
    assert every["metrics"]["orders"]["value"] > 0
    assert every["product_ranking"] and every["geography"]


def test_today_reads_the_facts(drained, monkeypatch):
    monkeypatch.setattr(dashboard, "day_rollup_figures", lambda *a, **k: pytest.fail("today is not whole days"))
    body = dashboard_body(period=resolve_period(range="today", now=NOW), stores=every_store())
    assert len(body["sales_trend"]) > 1  # hourly
