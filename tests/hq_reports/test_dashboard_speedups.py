"""The HQ dashboard's merged statements give the same figures as computing each part on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hq_reports import rollups
from hq_reports.dashboard import dashboard_body
from shared_apps.reporting.periods import resolve_period
from tests.factories.hq import make_history

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 4, 10, 15, tzinfo=TZ)


@pytest.fixture
def two_stores(store_a, store_b, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales, users.a_sales2], now=NOW, seed=41)
        rollups.drain()
    with in_store(store_b):
        make_history(owners=[users.b_sales, users.b_admin], now=NOW, seed=42)
        rollups.drain()
    return store_a, store_b


def test_each_channel_row_equals_the_dashboard_filtered_by_that_channel(two_stores):
    period = resolve_period(range="30d", now=NOW)
    stores = list(two_stores)
    body = dashboard_body(period=period, stores=stores, all_stores=False)
    assert body["channels"]
    for row in body["channels"]:
        if not row["channel"]:
            continue
        metrics = dashboard_body(period=period, stores=stores, platform=row["channel"], all_stores=False)["metrics"]
        assert row["gmv"] == metrics["gmv"]["value"], row["channel"]
        assert row["orders"] == metrics["orders"]["value"], row["channel"]
        assert row["paying_customers"] == metrics["paying_customers"]["value"], row["channel"]
        assert row["new_customers"] == metrics["new_customers"]["value"], row["channel"]
        assert row["net_revenue"] == metrics["net_revenue"]["value"], row["channel"]


def test_previous_period_figures_equal_the_previous_period_computed_alone(two_stores):
    period = resolve_period(range="30d", now=NOW)
    previous = period.previous()
    stores = list(two_stores)
    merged = dashboard_body(period=period, stores=stores, all_stores=False)["metrics"]
    alone = dashboard_body(period=previous, stores=stores, all_stores=False)["metrics"]
    for key, figure in merged.items():
        assert figure["previous"] == alone[key]["value"], key


def test_an_order_with_two_lines_of_one_product_counts_once_in_the_ranking(store_a, users, in_store):
    from tests.factories.sales import make_customer, make_order, make_product

    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        product = make_product(sku="PAL-TWICE")
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 1, "100.00"), (product, 2, "50.00")],
            signed_at=NOW - timedelta(days=1),
        )
        rollups.reconcile()

    body = dashboard_body(period=resolve_period(range="7d", now=NOW), stores=[store_a], all_stores=False)

    (row,) = body["product_ranking"]
    assert (row["sku"], row["orders"], row["quantity"], row["amount"]) == ("PAL-TWICE", 1, 3, "200.00")
    (category,) = body["category_ranking"]
    assert (category["orders"], Decimal(category["amount"])) == (1, Decimal("200.00"))
