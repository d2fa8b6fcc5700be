"""Every Kanban figure equals an independent plain-Python computation over the same generated data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from shared_apps.reporting.catalogue import KANBAN_KEYS
from shared_apps.reporting.periods import resolve_period
from tenant_apps.kanban.reporting import kanban_body
from tests.factories.sales import make_customer, make_order, make_product
from tests.tenant_apps.kanban.kanban_data import NOW, TZ, generate, reference, reference_analysis, to_api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_result_cache():
    from django.core.cache import cache

    cache.clear()


def _expected(ref: dict, key: str):
    return to_api(key, ref[key])


def _check_metrics(body, data, period, **filters):
    cur = reference(data, period.start, period.end, **filters)
    prev_period = period.previous()
    prev = reference(data, prev_period.start, prev_period.end, **filters)
    got = {k: (v["value"], v["previous"]) for k, v in body["metrics"].items()}
    want = {k: (_expected(cur, k), _expected(prev, k)) for k in KANBAN_KEYS}
    assert got == want


@pytest.fixture
def generated(store_a, users, in_store):
    with in_store(store_a):
        yield generate(users)


@pytest.mark.parametrize("range_", ["30d", "7d", "today"])
def test_headline_figures_equal_the_reference_without_filters(generated, store_a, in_store, range_):
    with in_store(store_a):
        period = resolve_period(range=range_, now=NOW)
        body = kanban_body(period=period)
    _check_metrics(body, generated, period)


def test_headline_figures_equal_the_reference_for_a_custom_range(generated, store_a, in_store):
    with in_store(store_a):
        period = resolve_period(range="custom", start="2026-01-10", end="2026-02-20", now=NOW)
        body = kanban_body(period=period)
    _check_metrics(body, generated, period)


def test_channel_filter_selects_orders_customers_and_enquiries_of_the_channel(generated, store_a, in_store):
    channel = generated.channels[1].pk
    with in_store(store_a):
        period = resolve_period(range="30d", now=NOW)
        body = kanban_body(period=period, channel_id=channel)
    _check_metrics(body, generated, period, channel=channel)


def test_salesperson_filter_selects_their_orders_customers_and_releases(generated, store_a, users, in_store):
    with in_store(store_a):
        period = resolve_period(range="custom", start="2026-01-01", end="2026-03-15", now=NOW)
        body = kanban_body(period=period, salesperson_id=users.a_sales.pk)
    _check_metrics(body, generated, period, salesperson=users.a_sales.pk)


def test_previous_period_is_the_equal_length_just_before(generated, store_a, in_store):
    with in_store(store_a):
        period = resolve_period(range="7d", now=NOW)
        body = kanban_body(period=period)
    start = datetime.fromisoformat(body["period"]["start"])
    end = datetime.fromisoformat(body["period"]["end"])
    assert datetime.fromisoformat(body["previous_period"]["end"]) == start
    assert datetime.fromisoformat(body["previous_period"]["start"]) == start - (end - start)


def test_change_is_relative_for_amounts_and_points_for_rates(generated, store_a, in_store):
    with in_store(store_a):
        body = kanban_body(period=resolve_period(range="30d", now=NOW))
    gmv = body["metrics"]["gmv"]
    expected = round(float((Decimal(gmv["value"]) - Decimal(gmv["previous"])) / Decimal(gmv["previous"])), 6)
    assert gmv["change"] == expected
    rep = body["metrics"]["repurchase_rate"]
    assert rep["change"] == round(rep["value"] - rep["previous"], 6)


def test_rankings_trend_mix_geography_and_devices_equal_the_reference(generated, store_a, in_store):
    with in_store(store_a):
        period = resolve_period(range="30d", now=NOW)
        body = kanban_body(period=period, limit=3)
    ref = reference_analysis(generated, period.start, period.end, limit=3)
    assert body["product_ranking"] == ref["product_ranking"]
    assert body["category_ranking"] == ref["category_ranking"]
    assert body["customer_mix"] == ref["customer_mix"]
    assert body["devices"] == ref["devices"]
    assert {r["province"]: (r["gmv"], r["orders"]) for r in body["geography"]} == ref["geography"]
    trend = {r["bucket"][:10]: (r["gmv"], r["orders"]) for r in body["sales_trend"] if r["orders"]}
    assert trend == ref["trend"]
    assert len(body["sales_trend"]) == 30


def test_customer_mix_with_a_salesperson_filter_uses_the_whole_history(generated, store_a, users, in_store):
    with in_store(store_a):
        period = resolve_period(range="30d", now=NOW)
        body = kanban_body(period=period, salesperson_id=users.a_sales2.pk)
    ref = reference_analysis(generated, period.start, period.end, salesperson=users.a_sales2.pk)
    assert body["customer_mix"] == ref["customer_mix"]


def test_order_late_in_the_local_evening_belongs_to_that_local_day(store_a, users, in_store):
    # 2026-03-01 23:30 +08:00 is 15:30Z: it belongs to 03-01; 03-02 00:10 +08:00 is still 03-01 in UTC.
    with in_store(store_a):
        product = make_product()
        customer = make_customer(owner=users.a_sales)
        inside = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 1, "100.00")],
            signed_at=datetime(2026, 3, 1, 23, 30, tzinfo=TZ),
        )
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 1, "7.00")],
            signed_at=datetime(2026, 3, 2, 0, 10, tzinfo=TZ),
        )
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 1, "3.00")],
            signed_at=datetime(2026, 2, 28, 23, 59, tzinfo=TZ),
        )
        body = kanban_body(period=resolve_period(range="custom", start="2026-03-01", end="2026-03-01", now=NOW))
    assert body["metrics"]["gmv"]["value"] == str(inside.amount)
    assert body["metrics"]["orders"]["value"] == 1
    assert body["metrics"]["gmv"]["previous"] == "3.00"
    assert body["sales_trend"] == [{"bucket": "2026-03-01T00:00:00+08:00", "gmv": "100.00", "orders": 1}]


def test_cancelled_orders_count_nowhere(store_a, users, in_store):
    with in_store(store_a):
        product = make_product()
        customer = make_customer(owner=users.a_sales, province="浙江")
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 2, "50.00")],
            status="cancelled",
            signed_at=datetime(2026, 3, 10, 12, tzinfo=TZ),
        )
        body = kanban_body(period=resolve_period(range="30d", now=NOW))
    assert (body["metrics"]["gmv"]["value"], body["metrics"]["orders"]["value"]) == ("0.00", 0)
    assert body["product_ranking"] == [] and body["geography"] == []
    assert body["customer_mix"]["new"] == {"count": 0, "gmv": "0.00"}


def test_zero_denominators_are_null(store_a, in_store):
    with in_store(store_a):
        body = kanban_body(period=resolve_period(range="custom", start="2020-01-01", end="2020-01-31", now=NOW))
    for key in (
        "aov",
        "repurchase_rate",
        "entry_rate",
        "conversion_rate",
        "positive_feedback_rate",
        "return_visit_rate",
        "lost_rate",
    ):
        assert body["metrics"][key] == {"value": None, "previous": None, "change": None, "trend": None}, key
    assert body["metrics"]["gmv"] == {"value": "0.00", "previous": "0.00", "change": None, "trend": None}


def test_customer_whose_first_order_is_before_the_period_is_returning(store_a, users, in_store):
    with in_store(store_a):
        product = make_product()
        old = make_customer(owner=users.a_sales)
        fresh = make_customer(owner=users.a_sales)
        make_order(
            customer=old, owner=users.a_sales, lines=[(product, 1, "10.00")], signed_at=datetime(2025, 6, 1, tzinfo=TZ)
        )
        make_order(
            customer=old, owner=users.a_sales, lines=[(product, 1, "20.00")], signed_at=datetime(2026, 3, 5, tzinfo=TZ)
        )
        make_order(
            customer=fresh,
            owner=users.a_sales,
            lines=[(product, 1, "30.00")],
            signed_at=datetime(2026, 3, 6, tzinfo=TZ),
        )
        body = kanban_body(period=resolve_period(range="30d", now=NOW))
    assert body["customer_mix"] == {"new": {"count": 1, "gmv": "30.00"}, "returning": {"count": 1, "gmv": "20.00"}}
    assert body["metrics"]["repurchase_rate"]["value"] == 0.5


def test_today_trend_is_hourly_up_to_now(store_a, in_store):
    with in_store(store_a):
        body = kanban_body(period=resolve_period(range="today", now=NOW))
    assert [r["bucket"][11:16] for r in body["sales_trend"]] == [f"{h:02d}:00" for h in range(11)]


def test_overdue_receivable_is_taken_at_the_end_of_a_past_period(store_a, users, in_store):
    from tenant_apps.finance.models import Payment

    with in_store(store_a):
        product = make_product()
        customer = make_customer(owner=users.a_sales)
        order = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 1, "500.00")],
            signed_at=datetime(2026, 1, 5, tzinfo=TZ),
            due_date=date(2026, 1, 20),
        )
        Payment.objects.create(
            order=order,
            kind="collection",
            amount=Decimal("500.00"),
            method="cash",
            status="confirmed",
            confirmed_at=datetime(2026, 2, 10, tzinfo=TZ),
        )
        type(order).objects.filter(pk=order.pk).update(
            collected=Decimal("500.00"), fully_collected_at=datetime(2026, 2, 10, tzinfo=TZ)
        )
        january = kanban_body(period=resolve_period(range="custom", start="2026-01-01", end="2026-01-31", now=NOW))
        march = kanban_body(period=resolve_period(range="30d", now=NOW))
    assert january["metrics"]["receivable_overdue"]["value"] == "500.00"
    assert march["metrics"]["receivable_overdue"]["value"] == "0.00"
    assert NOW - timedelta(days=30) > datetime(2026, 2, 10, tzinfo=TZ)
