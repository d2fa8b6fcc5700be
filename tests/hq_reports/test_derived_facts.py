"""The derived columns of the HQ facts and the store totals (``rollups.refresh_derived``) always
equal a direct computation over the facts, written here in plain Python: after a drain, after
inserts, updates and deletes in the store drained again, after a change of the return-visit window,
and after the reconciliation repaired facts or derived state that had been tampered with."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hq_reports import rollups
from hq_reports.models import (
    CustomerFact,
    FollowUpFact,
    OrderFact,
    OrderLineFact,
    PaymentFact,
    StoreFeed,
    StoreTotals,
)
from tenant_apps.customers.models import FollowUp
from tenant_apps.outbox.services import publish
from tenant_apps.sales.models import Order
from tenant_apps.workspace.models import StoreSettings
from tests.factories.hq import make_history
from tests.factories.sales import make_order, make_product

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 4, 10, 15, tzinfo=TZ)


def expected_derived(store) -> dict:
    """Every derived value of ``store``'s facts, computed from the facts in Python."""
    orders = list(OrderFact.objects.filter(store=store))
    follow_ups = defaultdict(list)
    for customer_id, created_at in FollowUpFact.objects.filter(store=store).values_list("customer_id", "created_at"):
        follow_ups[customer_id].append(created_at)
    feed = StoreFeed.objects.filter(store=store).first()
    window = timedelta(days=feed.return_visit_window_days if feed else 7)
    live = defaultdict(list)
    for order in orders:
        if not order.cancelled:
            live[order.customer_id].append(order)
    out = {"orders": {}, "customers": {}, "lines": {}, "payments": {}, "totals": {}}
    for order in orders:
        revisited = order.completed_at is not None and any(
            order.completed_at <= at < order.completed_at + window for at in follow_ups[order.customer_id]
        )
        prev = prev_platform = following = first = None
        if not order.cancelled:
            sequence = sorted(live[order.customer_id], key=lambda o: (o.signed_at, o.order_id))
            at = sequence.index(order)
            prev = sequence[at - 1].signed_at if at else None
            following = sequence[at + 1].signed_at if at + 1 < len(sequence) else None
            first = sequence[0].signed_at
            same = [o for o in sequence[:at] if o.platform == order.platform]
            prev_platform = same[-1].signed_at if same else None
        out["orders"][order.order_id] = (prev, prev_platform, following, first, revisited)
    for customer in CustomerFact.objects.filter(store=store):
        times = [o.signed_at for o in live[customer.customer_id]]
        before = [t for t in times if t < customer.created_at]
        after = [t for t in times if t >= customer.created_at]
        out["customers"][customer.customer_id] = (max(before, default=None), min(after, default=None))
    seen_sku, seen_category = set(), set()
    for line in OrderLineFact.objects.filter(store=store).order_by("line_id"):
        sku, category = (line.order_id, line.sku), (line.order_id, line.category_name)
        out["lines"][line.line_id] = (sku not in seen_sku, category not in seen_category)
        seen_sku.add(sku)
        seen_category.add(category)
    by_order = {order.order_id: order for order in orders}
    for payment in PaymentFact.objects.filter(store=store):
        order = by_order.get(payment.order_id)
        if order is None:
            out["payments"][payment.payment_id] = (False, False, None, None, None)
        else:
            out["payments"][payment.payment_id] = (
                order.payment_mode == "credit" and not order.cancelled,
                order.collected < order.amount,
                order.due_date,
                order.signed_at,
                order.fully_collected_at,
            )
    totals = defaultdict(lambda: [0, Decimal("0.00")])
    for customer in CustomerFact.objects.filter(store=store):
        if customer.owner_id is not None and customer.owner_since is not None and not customer.merged:
            totals[customer.platform][0] += 1
    for order in orders:
        if order.payment_mode == "credit" and not order.cancelled and order.collected < order.amount and order.due_date:
            totals[order.platform][1] += order.amount - order.collected
    out["totals"] = {platform: tuple(values) for platform, values in totals.items()}
    return out


def held_derived(store) -> dict:
    """The same values as the facts and ``StoreTotals`` hold them."""
    return {
        "orders": {
            row[0]: row[1:]
            for row in OrderFact.objects.filter(store=store).values_list(
                "order_id",
                "prev_signed_at",
                "prev_platform_signed_at",
                "next_signed_at",
                "customer_first_at",
                "revisited",
            )
        },
        "customers": {
            row[0]: row[1:]
            for row in CustomerFact.objects.filter(store=store).values_list(
                "customer_id", "order_before_created_at", "order_from_created_at"
            )
        },
        "lines": {
            row[0]: row[1:]
            for row in OrderLineFact.objects.filter(store=store).values_list(
                "line_id", "first_of_sku", "first_of_category"
            )
        },
        "payments": {
            row[0]: row[1:]
            for row in PaymentFact.objects.filter(store=store).values_list(
                "payment_id",
                "order_credit",
                "order_open",
                "order_due_date",
                "order_signed_at",
                "order_fully_collected_at",
            )
        },
        "totals": {
            platform: (owned, owed)
            for platform, owned, owed in StoreTotals.objects.filter(store=store).values_list(
                "platform", "owned", "credit_owed"
            )
        },
    }


def assert_derived_exact(store) -> None:
    expected, held = expected_derived(store), held_derived(store)
    for part in expected:
        assert held[part] == expected[part], part
    assert set(rollups.derived_differences(store_ids=[store.pk]).values()) == {0}


@pytest.fixture
def drained(store_a, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales, users.a_sales2], now=NOW, seed=5)
        rollups.drain()
    return store_a


def test_a_drain_leaves_every_derived_value_equal_to_a_direct_computation(drained, in_store):
    with in_store(drained):
        assert_derived_exact(drained)
        held = held_derived(drained)
    # The comparison is between real values: repeat customers, return visits, totals.
    assert any(values[0] is not None for values in held["orders"].values())
    assert any(values[4] for values in held["orders"].values())
    assert any(values[0] for values in held["payments"].values())
    assert held["totals"]


def test_inserts_updates_and_deletes_drained_again_keep_the_derived_values_exact(drained, users, in_store):
    with in_store(drained):
        orders = list(Order.objects.exclude(status=Order.Status.CANCELLED).order_by("signed_at", "pk"))
        # Insert: a new order, with two lines of one product, for the customer of an old order.
        product = make_product(sku="PAL-DERIVED")
        earliest = orders[0]
        new = make_order(
            customer=earliest.customer,
            owner=users.a_sales,
            lines=[(product, 1, "30.00"), (product, 2, "10.00")],
            signed_at=earliest.signed_at + timedelta(minutes=1),
        )
        publish(topic="order", entity_id=new.pk)
        # Update: cancel an order in the middle of a customer's sequence; move an order in time.
        Order.objects.filter(pk=orders[len(orders) // 2].pk).update(status=Order.Status.CANCELLED)
        publish(topic="order", entity_id=orders[len(orders) // 2].pk)
        Order.objects.filter(pk=orders[-1].pk).update(signed_at=orders[0].signed_at - timedelta(days=1))
        publish(topic="order", entity_id=orders[-1].pk)
        # Delete: a follow-up (a return visit may be lost) and add one (another may be won).
        gone = FollowUp.objects.order_by("pk").first()
        FollowUp.objects.filter(pk=gone.pk).delete()
        publish(topic="follow_up", entity_id=gone.pk)
        completed = Order.objects.filter(completed_at__isnull=False).exclude(status=Order.Status.CANCELLED).last()
        added = FollowUp.objects.create(
            customer=completed.customer,
            author_id=users.a_sales.pk,
            kind=FollowUp.Kind.CALL,
            content="back",
            created_at=completed.completed_at + timedelta(hours=1),
        )
        publish(topic="follow_up", entity_id=added.pk)
        before = held_derived(drained)

        rollups.drain()

        assert_derived_exact(drained)
        after = held_derived(drained)
        assert after != before
        sku_lines = OrderLineFact.objects.filter(store=drained, order_id=new.pk).order_by("line_id")
        assert [line.first_of_sku for line in sku_lines] == [True, False]


def test_a_new_return_visit_window_refreshes_every_flag(drained, in_store):
    with in_store(drained):
        StoreSettings.objects.update(return_visit_window_days=1)
        rollups.drain()
        assert StoreFeed.objects.get(store=drained).return_visit_window_days == 1
        assert_derived_exact(drained)


def test_the_reconciliation_repairs_tampered_derived_values_and_facts(drained, in_store):
    with in_store(drained):
        OrderFact.objects.filter(store=drained).exclude(prev_signed_at=None).update(prev_signed_at=None)
        OrderFact.objects.filter(store=drained, revisited=True).update(revisited=False)
        OrderLineFact.objects.filter(store=drained).update(first_of_category=False)
        PaymentFact.objects.filter(store=drained).update(order_credit=True)
        CustomerFact.objects.filter(store=drained).update(order_from_created_at=NOW)
        StoreTotals.objects.filter(store=drained).delete()
        # And facts out of step with the store, as a lost event would leave them.
        OrderFact.objects.filter(
            store=drained, order_id=OrderFact.objects.filter(store=drained).first().order_id
        ).delete()
        FollowUpFact.objects.filter(store=drained).update(created_at=NOW - timedelta(days=400))
        assert any(rollups.derived_differences(store_ids=[drained.pk]).values())

        rollups.reconcile(at=NOW)

        assert_derived_exact(drained)
        assert {name: c for name, c in rollups.reconcile(fix=False).items() if c["missing"] or c["changed"]} == {}


def test_the_refresh_writes_only_what_differs(drained, in_store):
    with in_store(drained):
        assert set(rollups.refresh_derived(store_ids=[drained.pk]).values()) == {0}
