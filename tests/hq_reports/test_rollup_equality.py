"""HQ figures from the public facts equal each store's own Kanban (metrics.md: "The HQ figure for
one store, for a period and filters, must equal that store's own Kanban figure exactly"), and HQ
totals equal the sum over the stores."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hq_reports import rollups
from hq_reports.dashboard import dashboard_body
from shared_apps.reporting.catalogue import KANBAN
from shared_apps.reporting.periods import resolve_period
from tenant_apps.kanban.reporting import kanban_body
from tenant_apps.workspace.selectors import channel_list
from tests.factories.hq import make_history

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
# A fixed "now" early in a month, so that 7d and 30d periods cross a month boundary.
NOW = datetime(2026, 3, 4, 10, 15, tzinfo=TZ)
SECTIONS = ("metrics", "product_ranking", "category_ranking", "sales_trend", "customer_mix", "geography", "devices")


def periods():
    return {
        "today": resolve_period(range="today", now=NOW),
        "7d": resolve_period(range="7d", now=NOW),
        "30d": resolve_period(range="30d", now=NOW),
        "custom": resolve_period(range="custom", start=date(2026, 1, 20), end=date(2026, 2, 10), now=NOW),
    }


@pytest.fixture
def two_stores(store_a, store_b, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales, users.a_sales2], now=NOW, seed=11)
        rollups.drain()
    with in_store(store_b):
        make_history(owners=[users.b_sales, users.b_admin], now=NOW, seed=22)
        rollups.drain()
    return store_a, store_b


def store_body(store, in_store, period, platform=None):
    with in_store(store):
        channel_id = next((c.pk for c in channel_list() if c.platform == platform), None) if platform else None
        return kanban_body(period=period, channel_id=channel_id)


@pytest.mark.parametrize("range_name", ["today", "7d", "30d", "custom"])
@pytest.mark.parametrize("platform", [None, "tmall"])
def test_hq_figures_of_each_store_equal_its_kanban(two_stores, in_store, range_name, platform):
    period = periods()[range_name]
    for store in two_stores:
        expected = store_body(store, in_store, period, platform)
        hq = dashboard_body(period=period, stores=[store], platform=platform, all_stores=False)
        for section in SECTIONS:
            assert hq[section] == expected[section], (store.subdomain, section)


def test_the_generated_history_is_not_trivial(two_stores, in_store):
    """The equality above compares real figures: orders, rates and rankings are all non-empty."""
    body = dashboard_body(period=periods()["30d"], stores=list(two_stores), all_stores=False)
    metrics = body["metrics"]
    assert metrics["orders"]["value"] > 5
    assert metrics["paying_customers"]["value"] > 2
    for key in ("repurchase_rate", "conversion_rate", "positive_feedback_rate", "return_visit_rate", "entry_rate"):
        assert metrics[key]["value"] is not None, key
    assert Decimal(metrics["net_revenue"]["value"]) != 0
    assert body["product_ranking"] and body["category_ranking"]


@pytest.mark.parametrize("range_name", ["7d", "30d", "custom"])
def test_hq_totals_are_the_sums_over_the_stores(two_stores, in_store, range_name):
    period = periods()[range_name]
    bodies = [store_body(store, in_store, period) for store in two_stores]
    hq = dashboard_body(period=period, stores=list(two_stores), all_stores=False)["metrics"]
    additive = [m.key for m in KANBAN if m.additive]
    assert additive == [
        "gmv",
        "orders",
        "paying_customers",
        "new_customers",
        "net_revenue",
        "receivable_overdue",
        "gross_profit",
        "lines_without_cost",
    ]
    for key in additive:
        for side in ("value", "previous"):
            total = sum(Decimal(str(b["metrics"][key][side])) for b in bodies)
            assert Decimal(str(hq[key][side])) == total, (key, side)


def test_a_customer_paying_in_two_stores_counts_once_in_each(store_a, store_b, users, in_store):
    """Customers belong to one store: the same person in two stores is two paying customers."""
    from tests.factories.sales import make_customer, make_order, make_product

    signed = NOW - timedelta(days=1)
    for store, owner in ((store_a, users.a_sales), (store_b, users.b_sales)):
        with in_store(store):
            customer = make_customer(owner=owner, mobile="13800138000")
            product = make_product()
            for _ in range(2):
                make_order(customer=customer, owner=owner, lines=[(product, 1, "100.00")], signed_at=signed)
            rollups.reconcile()

    hq = dashboard_body(period=periods()["7d"], stores=[store_a, store_b], all_stores=False)

    assert hq["metrics"]["paying_customers"]["value"] == 2
    assert hq["metrics"]["orders"]["value"] == 4
    assert [row["paying_customers"] for row in hq["stores"]] == [1, 1]


def test_store_rows_and_subsidiary_rows_add_up(two_stores):
    body = dashboard_body(period=periods()["30d"], stores=list(two_stores), all_stores=False)
    assert {row["subdomain"] for row in body["stores"]} == {s.subdomain for s in two_stores}
    assert sum(Decimal(row["gmv"]) for row in body["stores"]) == Decimal(body["metrics"]["gmv"]["value"])
    assert sum(Decimal(row["gmv"]) for row in body["subsidiaries"]) == Decimal(body["metrics"]["gmv"]["value"])
    assert sum(row["orders"] for row in body["channels"]) == body["metrics"]["orders"]["value"]
