"""The drain and the reconciliation: nothing lost, nothing duplicated, whatever happens."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from hq_reports import rollups
from hq_reports.models import CustomerFact, OrderFact, OrderLineFact, PaymentFact, StoreFeed, StoreTotals
from shared_apps.accounts.models import User
from tenant_apps.outbox import reporting
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.outbox.services import publish
from tenant_apps.sales.models import Order
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories.hq import make_history
from tests.races import at_once

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 4, 10, 15, tzinfo=TZ)


def differences(report: dict) -> dict:
    return {name: c for name, c in report.items() if c["missing"] or c["extra"] or c["changed"]}


def facts_match_a_rebuild() -> bool:
    return differences(rollups.reconcile(fix=False)) == {}


@pytest.mark.django_db
def test_a_drain_makes_the_facts_equal_a_full_rebuild(store_a, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales, users.a_sales2], now=NOW, seed=3)
        result = rollups.drain(batch_size=50)
        assert result["events"] == OutboxEvent.objects.count()
        assert result["batches"] > 1
        assert not OutboxEvent.objects.filter(drained_at__isnull=True).exists()
        assert facts_match_a_rebuild()


@pytest.mark.django_db
def test_each_drain_records_when_the_oldest_event_it_left_waiting_was_written(store_a, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=NOW, seed=7)
        oldest_waiting = OutboxEvent.objects.order_by("id").values_list("created_at", flat=True)[10]

        rollups.drain(batch_size=10, max_batches=1)
        partial = StoreFeed.objects.get(store=store_a)
        rollups.drain()
        complete = StoreFeed.objects.get(store=store_a)

    assert partial.pending_since == oldest_waiting
    assert complete.pending_since is None
    assert complete.last_drained_at >= partial.last_drained_at


@pytest.mark.django_db
def test_a_crash_in_the_middle_of_a_drain_changes_nothing(store_a, users, in_store, monkeypatch):
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=NOW, seed=4)

        def crash(**kwargs):
            raise RuntimeError("worker killed")

        monkeypatch.setattr(rollups.outbox_services, "mark_drained", crash)
        with pytest.raises(RuntimeError):
            rollups.drain()

        assert OrderFact.objects.filter(store=store_a).count() == 0
        assert CustomerFact.objects.filter(store=store_a).count() == 0
        assert OutboxEvent.objects.filter(drained_at__isnull=False).count() == 0

        monkeypatch.undo()
        rollups.drain()
        assert facts_match_a_rebuild()


@pytest.mark.django_db
def test_a_replayed_drain_duplicates_nothing(store_a, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=NOW, seed=5)
        rollups.drain()
        orders, lines = OrderFact.objects.count(), OrderLineFact.objects.count()

        OutboxEvent.objects.update(drained_at=None)  # as if the marks had been lost
        rollups.drain()

        assert (OrderFact.objects.count(), OrderLineFact.objects.count()) == (orders, lines)
        assert facts_match_a_rebuild()


@pytest.mark.django_db
def test_a_drain_after_the_worker_stopped_catches_up(store_a, users, in_store):
    with in_store(store_a):
        history = make_history(owners=[users.a_sales], now=NOW, seed=6)
        rollups.drain()
        # The worker is down: orders are cancelled and changed, events pile up.
        for order_id in history.orders[:5]:
            Order.objects.filter(pk=order_id).update(status=Order.Status.CANCELLED)
            publish(topic="order", entity_id=order_id)
        assert not facts_match_a_rebuild()

        rollups.drain()

        assert facts_match_a_rebuild()
        assert OrderFact.objects.filter(order_id__in=history.orders[:5], cancelled=True).count() == 5


@pytest.mark.django_db
def test_an_order_moving_to_another_customer_refreshes_both_customers(store_a, users, in_store):
    with in_store(store_a):
        history = make_history(owners=[users.a_sales], now=NOW, seed=7)
        rollups.drain()
        order = Order.objects.exclude(status=Order.Status.CANCELLED).get(pk=history.orders[0])
        other = next(c for c in history.customers if c != order.customer_id)
        Order.objects.filter(pk=order.pk).update(customer_id=other)
        publish(topic="order", entity_id=order.pk)

        rollups.drain()

        assert facts_match_a_rebuild()


@pytest.mark.django_db
def test_reconciliation_reports_and_fixes_each_difference(store_a, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=NOW, seed=8)
        rollups.drain()
        first = OrderFact.objects.order_by("order_id").first()
        OrderFact.objects.filter(pk=first.pk).delete()  # missing
        OrderFact.objects.filter(order_id__gt=first.order_id).order_by("order_id").filter(
            pk=OrderFact.objects.filter(order_id__gt=first.order_id).order_by("order_id").values("pk")[:1]
        ).update(amount=1)  # changed
        PaymentFact.objects.create(
            store=store_a,
            payment_id=10**9,
            order_id=first.order_id,
            kind="collection",
            amount=5,
            confirmed_at=NOW,
            customer_id=first.customer_id,
            platform="",
            owner_id=first.owner_id,
        )  # extra

        report = rollups.reconcile(at=NOW)

        assert report["orders"]["missing"] == 1
        assert report["orders"]["changed"] == 1
        assert report["payments"]["extra"] == 1
        assert report["customers"] == {"store": report["customers"]["store"], "missing": 0, "extra": 0, "changed": 0}
        assert facts_match_a_rebuild()
        assert StoreFeed.objects.get(store=store_a).last_reconcile_report == report


EXTRA = 10**9  # fact ids from here on are not the store's


def python_diff(kind, store) -> dict:
    """What the reconciliation must report for ``kind``, computed row by row in Python."""
    from dataclasses import astuple

    readers = {
        "orders": reporting.orders,
        "order_lines": reporting.order_lines,
        "customers": reporting.customers,
        "payments": reporting.payments,
        "releases": reporting.releases,
        "follow_ups": reporting.follow_ups,
        "claims": reporting.approved_claims,
        "enquiries": reporting.enquiries,
    }
    truth = {astuple(row)[0]: row for row in readers[kind.name]()}
    held = {row[0]: kind.row_type(*row) for row in kind.model.objects.filter(store=store).values_list(*kind.columns)}
    return {
        "store": len(truth),
        "missing": len(truth.keys() - held.keys()),
        "extra": len(held.keys() - truth.keys()),
        "changed": sum(1 for key in truth.keys() & held.keys() if truth[key] != held[key]),
    }


@pytest.mark.django_db
def test_reconciliation_finds_what_a_row_by_row_comparison_finds_in_every_kind(store_a, store_b, users, in_store):
    with in_store(store_b):
        make_history(owners=[users.b_sales], now=NOW, seed=14)
        rollups.drain()
    other_store = {name: kind.model.objects.filter(store=store_b).count() for name, kind in rollups.KINDS.items()}
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=NOW, seed=13)
        rollups.drain()
        for offset, kind in enumerate(rollups.KINDS.values()):
            facts = kind.model.objects.filter(store=store_a).order_by(kind.key)
            keys = list(facts.values_list(kind.key, flat=True)[:3])
            assert len(keys) == 3, kind.name
            facts.filter(**{kind.key: keys[0]}).delete()  # missing
            # extra: a copy under an id the store does not have
            extra = facts.get(**{kind.key: keys[1]})
            extra.pk = None
            setattr(extra, kind.key, EXTRA + offset)
            extra.save()
        # changed: a value, a NULL that should be a value, a value that should be NULL
        first_completed = OrderFact.objects.filter(store=store_a, completed_at__isnull=False).order_by("order_id")[0]
        OrderFact.objects.filter(pk=first_completed.pk).update(completed_at=None)
        never_completed = OrderFact.objects.filter(
            store=store_a, completed_at__isnull=True, order_id__lt=EXTRA
        ).order_by("-order_id")[0]
        OrderFact.objects.filter(pk=never_completed.pk).update(completed_at=NOW)
        last_customer = CustomerFact.objects.filter(store=store_a, customer_id__lt=EXTRA).order_by("-customer_id")[0]
        CustomerFact.objects.filter(pk=last_customer.pk).update(province=last_customer.province + "省")
        last_line = OrderLineFact.objects.filter(store=store_a, line_id__lt=EXTRA).order_by("-line_id")[0]
        OrderLineFact.objects.filter(pk=last_line.pk).update(amount=last_line.amount + Decimal("0.01"))
        expected = {name: python_diff(kind, store_a) for name, kind in rollups.KINDS.items()}

        assert rollups.reconcile(fix=False) == expected
        assert (expected["orders"]["changed"], expected["customers"]["changed"]) == (2, 1)
        assert expected["order_lines"]["changed"] == 1
        assert all(counts["missing"] == counts["extra"] == 1 for counts in expected.values())

        assert rollups.reconcile() == expected
        assert differences(rollups.reconcile(fix=False)) == {}
        assert {name: python_diff(kind, store_a) for name, kind in rollups.KINDS.items()} == {
            name: {"store": counts["store"], "missing": 0, "extra": 0, "changed": 0}
            for name, counts in expected.items()
        }
    assert {name: kind.model.objects.filter(store=store_b).count() for name, kind in rollups.KINDS.items()} == (
        other_store
    )


@pytest.mark.django_db
def test_the_facts_of_one_store_never_touch_another(store_a, store_b, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=NOW, seed=9)
        rollups.drain()
    with in_store(store_b):
        make_history(owners=[users.b_sales], now=NOW, seed=10)
        rollups.drain()
        rollups.reconcile()
    with in_store(store_a):
        assert facts_match_a_rebuild()
    assert OrderFact.objects.filter(store=store_b).exists()


# ---------------------------------------------------------------------------------------------
# Two drains at once: real commits, two connections.
# ---------------------------------------------------------------------------------------------


def _cleanup(store):
    with tenant_context(store), connection.cursor() as cursor:
        for table in (
            "finance_payment",
            "sales_orderline",
            "sales_orderevent",
            "sales_order",
            "customers_followup",
            "pool_claim",
            "pool_release",
            "customers_customer",
            "sales_product",
            "sales_category",
            "enquiries_dailyenquiry",
            "outbox_outboxevent",
        ):
            cursor.execute(f"DELETE FROM {table}")
    for model in rollups.KINDS.values():
        model.model.objects.filter(store=store).delete()
    StoreFeed.objects.filter(store=store).delete()
    StoreTotals.objects.filter(store=store).delete()  # committed by the drains: no facts, no totals


def test_two_concurrent_drains_give_the_same_facts_as_one(committed_db):
    store_a = Store.objects.get(subdomain=STORE_A["subdomain"])
    owner = User.objects.get(email=user_email("a_sales"))
    try:
        with tenant_context(store_a):
            make_history(owners=[owner], now=NOW, seed=12, orders=60)
            total = OutboxEvent.objects.count()

        def drain_all() -> list[dict]:
            results = []
            while True:
                result = rollups.drain(batch_size=20)
                results.append(result)
                if result.get("skipped") is None and result["events"] == 0:
                    return results

        outcomes = at_once(store_a, drain_all, drain_all, keep_exceptions=True)

        assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
        results = [result for outcome in outcomes for result in outcome]
        assert sum(r["events"] for r in results) == total  # each event applied exactly once
        with tenant_context(store_a):
            assert not OutboxEvent.objects.filter(drained_at__isnull=True).exists()
            assert facts_match_a_rebuild()
        assert StoreFeed.objects.get(store=store_a).events_applied == total
    finally:
        _cleanup(store_a)
