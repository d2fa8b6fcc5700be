"""The sales demo seeder: a catalogue, quotations in every status, orders in every status."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from tenant_apps.sales.demo import seed_sales
from tenant_apps.sales.models import Order, OrderLine, Product, Quotation
from tenant_apps.workspace.demo import DemoContext, registered_seeders
from tests.factories.sales import make_customer

pytestmark = pytest.mark.django_db


def test_sales_seeder_runs_between_customers_and_finance():
    names = [name for name, _func in registered_seeders()]
    assert names.index("customers") < names.index("sales")
    if "finance" in names:
        assert names.index("sales") < names.index("finance")


def test_sales_seeder_fills_every_status(store_a, users, in_store):
    members = {
        "salesperson": (users.a_sales, users.a_sales2),
        "supervisor": (users.a_supervisor,),
        "warehouse": (users.a_warehouse,),
        "admin": (users.a_admin,),
    }
    ctx = DemoContext(
        store=store_a, members=members, rng=random.Random(3), customers=0, orders=60, seed=3, now=timezone.now()
    )
    with in_store(store_a):
        for index in range(10):
            make_customer(owner=users.a_sales if index % 2 else users.a_sales2)
        assert seed_sales(ctx)
        assert Product.objects.count() == 15
        assert set(Quotation.objects.values_list("status", flat=True)) == set(Quotation.Status.values)
        assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
        assert Order.objects.count() == 60
        for order in Order.objects.all():
            assert order.amount == sum(line.amount for line in OrderLine.objects.filter(order=order))


def test_order_history_gives_regular_buyers_a_year_some_of_whom_stopped(store_a, users, in_store):
    from datetime import timedelta

    from django.db.models import Max

    from tenant_apps.insights import services as insights
    from tenant_apps.insights.models import CustomerScore
    from tenant_apps.sales.demo import HISTORY_BUYERS, seed_order_history

    now = timezone.now()
    members = {"salesperson": (users.a_sales,), "admin": (users.a_admin,)}
    ctx = DemoContext(store=store_a, members=members, rng=random.Random(5), customers=0, orders=0, seed=5, now=now)
    with in_store(store_a):
        for _index in range(HISTORY_BUYERS + 6):
            make_customer(owner=users.a_sales)
        seed_sales(DemoContext(**{**ctx.__dict__, "orders": 0}))
        recent = set(Order.objects.values_list("pk", flat=True))
        assert seed_order_history(ctx)
        history = Order.objects.exclude(pk__in=recent)
        assert history.count() > HISTORY_BUYERS * 3
        # Older than the recent 60 days, completed and collected in full, each with its lines.
        assert not history.filter(signed_at__gt=now - timedelta(days=60)).exists()
        assert set(history.values_list("status", flat=True)) == {Order.Status.COMPLETED}
        for order in history:
            assert order.collected == order.amount == sum(line.amount for line in order.lines.all())
        last = dict(history.values_list("customer").annotate(last=Max("signed_at")))
        assert len(last) == HISTORY_BUYERS
        stopped = [c for c, at in last.items() if at < now - timedelta(days=100)]
        assert HISTORY_BUYERS // 2 <= len(stopped) < HISTORY_BUYERS
        # The scoring that follows in the demo finds someone at risk among them.
        insights.score_store(at=now)
        at_risk = set(
            CustomerScore.objects.filter(churn_band__in=("high", "medium")).values_list("customer_id", flat=True)
        )
        assert at_risk & set(stopped)
