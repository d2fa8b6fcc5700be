"""Figures read from the daily sales rollups equal the same figures computed from the orders,
whatever changed the orders (direct writes, cancellations, merges, province changes, deletions)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F

from shared_apps.reporting.periods import resolve_period
from tenant_apps.customers.models import Customer
from tenant_apps.finance.models import Payment
from tenant_apps.kanban import metrics, rollups
from tenant_apps.kanban.metrics import Filters
from tenant_apps.sales.models import Order, OrderLine
from tests.factories.sales import make_customer, make_order, make_product
from tests.tenant_apps.kanban.kanban_data import NOW, TZ, generate

pytestmark = pytest.mark.django_db

LIMIT = 50


def _filters(data) -> list[Filters]:
    channel = data.channels[0].pk
    owner = data.owners[0].pk
    return [
        Filters(),
        Filters(channel_id=channel),
        Filters(salesperson_id=owner),
        Filters(channel_id=channel, salesperson_id=owner),
    ]


def _from_rollups(period, filters: Filters) -> dict:
    with transaction.atomic():
        return {
            "rankings": metrics.rankings(period, filters, limit=LIMIT),
            **metrics.breakdowns(period, filters),
            "net_revenue": metrics.net_revenue(period, filters),
        }


def _from_orders(period, filters: Filters) -> dict:
    return {
        "rankings": metrics._ranking_rows(metrics._order_rankings(period, filters, LIMIT)),
        **metrics._breakdown_body(period, metrics._order_breakdown_rows(period, filters)),
        "net_revenue": metrics._order_net_revenue(period, filters),
    }


def _assert_same(data, *periods) -> None:
    for period in periods:
        assert rollups.covers(period) is not None
        for filters in _filters(data):
            assert _from_rollups(period, filters) == _from_orders(period, filters), (period.range, filters)


def _periods():
    return (
        resolve_period(range="30d", now=NOW),
        resolve_period(range="7d", now=NOW),
        resolve_period(range="custom", start="2025-12-01", end="2026-03-15", now=NOW),
    )


@pytest.fixture
def generated(store_a, users, in_store):
    with in_store(store_a):
        yield generate(users)


def _rollup_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT day, kind, level, channel_id, owner_id, key, label, amount, quantity, orders "
            "FROM kanban_salesrollup ORDER BY 1, 2, 3, 4, 5, 6"
        )
        return cursor.fetchall()


def test_rollup_figures_equal_order_figures_on_generated_data(generated, store_a, in_store):
    with in_store(store_a):
        assert Order.objects.filter(status=Order.Status.CANCELLED).exists()
        _assert_same(generated, *_periods())


def test_rollup_figures_follow_cancellations_merges_province_changes_and_deletions(generated, store_a, in_store):
    rng = random.Random(11)
    with in_store(store_a):
        _assert_same(generated, *_periods())  # rows built before the changes
        orders = list(Order.objects.exclude(status=Order.Status.CANCELLED).order_by("pk"))
        for order in rng.sample(orders, 10):
            Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED, cancelled_at=NOW)
        customers = list(Customer.objects.order_by("pk"))
        source, target = customers[0], customers[1]
        Order.objects.filter(customer=source).update(customer=target)
        Customer.objects.filter(pk=source.pk).update(merged_into=target)
        Customer.objects.filter(pk=customers[2].pk).update(province="新疆")
        moved = rng.choice(orders)
        Order.objects.filter(pk=moved.pk).update(signed_at=moved.signed_at - timedelta(days=3))
        Order.objects.filter(pk=rng.choice(orders).pk).update(channel=generated.channels[1], device="app")
        Order.objects.filter(pk=rng.choice(orders).pk).update(owner=generated.owners[1])
        line = OrderLine.objects.filter(order__in=orders).order_by("pk").first()
        OrderLine.objects.filter(pk=line.pk).update(sku="RENAMED", category_name="Renamed")
        paid = set(Payment.objects.values_list("order_id", flat=True))
        gone = rng.choice([o for o in orders if o.pk != line.order_id and o.pk not in paid])
        OrderLine.objects.filter(order=gone).delete()
        Order.objects.filter(pk=gone.pk).delete()
        payments = list(Payment.objects.order_by("pk"))
        assert any(p.status == Payment.Status.CONFIRMED for p in payments)
        confirmed = [p for p in payments if p.status == Payment.Status.CONFIRMED]
        Payment.objects.filter(pk=confirmed[0].pk).update(status=Payment.Status.REJECTED, rejected_at=NOW)
        Payment.objects.filter(pk=confirmed[1].pk).update(confirmed_at=confirmed[1].confirmed_at - timedelta(days=9))
        Payment.objects.filter(pk=confirmed[2].pk).update(amount=confirmed[2].amount + 1)
        paid_order = Order.objects.get(pk=confirmed[3].order_id)
        Order.objects.filter(pk=paid_order.pk).update(channel=generated.channels[0], owner=generated.owners[0])
        Payment.objects.create(
            order=paid_order,
            kind=Payment.Kind.REFUND,
            amount=Decimal("3.00"),
            method=Payment.Method.CASH,
            status=Payment.Status.CONFIRMED,
            confirmed_at=NOW - timedelta(days=2),
        )
        _assert_same(generated, *_periods())


def test_orders_around_local_midnight_land_on_their_local_day(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, province="浙江")
        product = make_product(sku="MIDNIGHT")
        midnight = datetime(2026, 3, 10, tzinfo=TZ)
        before = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 1, "10.00")],
            signed_at=midnight - timedelta(microseconds=1),
        )
        make_order(customer=customer, owner=users.a_sales, lines=[(product, 2, "10.00")], signed_at=midnight)
        period = resolve_period(range="30d", now=NOW)
        with transaction.atomic():
            trend = {
                row["bucket"]: (row["gmv"], row["orders"])
                for row in metrics.breakdowns(period, Filters())["sales_trend"]
            }
        assert trend[(midnight - timedelta(days=1)).isoformat()] == (Decimal("10.00"), 1)
        assert trend[midnight.isoformat()] == (Decimal("20.00"), 1)
        Order.objects.filter(pk=before.pk).update(signed_at=midnight)
        with transaction.atomic():
            trend = {
                row["bucket"]: (row["gmv"], row["orders"])
                for row in metrics.breakdowns(period, Filters())["sales_trend"]
            }
        assert trend[(midnight - timedelta(days=1)).isoformat()] == (Decimal("0.00"), 0)
        assert trend[midnight.isoformat()] == (Decimal("30.00"), 2)


def _changed_days(where: str, params=()) -> int:
    """The marks left in the change journals the rollups take their days from."""
    counts = [f"(SELECT count(*) FROM {journal} WHERE {where})" for journal in rollups.CHANGED_DAYS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " + ".join(counts), list(params) * len(counts))
        return cursor.fetchone()[0]


def _changed_customers() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " + ".join(f"(SELECT count(*) FROM {j})" for j in rollups.CHANGED_CUSTOMERS))
        return cursor.fetchone()[0]


def test_reading_a_range_rebuilds_only_the_changed_days_of_that_range(generated, store_a, in_store):
    with in_store(store_a):
        period = resolve_period(range="7d", now=NOW)
        first, last = rollups.covers(period)
        with transaction.atomic():
            rollups.ensure_fresh(first, last)
        lo, hi = rollups.utc_days_of(first, last, TZ)
        assert _changed_days("day >= %s AND day <= %s", [lo, hi]) == 0
        assert _changed_days("day < %s", [lo]) > 0


def test_rebuild_gives_the_rows_kept_by_the_changed_day_refreshes(generated, store_a, in_store):
    with in_store(store_a):
        first, last = date(2000, 1, 1), date(2100, 1, 1)
        with transaction.atomic():
            rollups.ensure_fresh(first, last)
        Order.objects.filter(pk=Order.objects.order_by("pk").first().pk).update(status=Order.Status.CANCELLED)
        with transaction.atomic():
            rollups.ensure_fresh(first, last)
        kept = _rollup_rows()
        with transaction.atomic():
            days = rollups.rebuild()
        assert days > 0
        assert _rollup_rows() == kept


def test_the_hourly_today_range_is_not_read_from_the_daily_rollups(store_a, in_store):
    with in_store(store_a):
        assert rollups.covers(resolve_period(range="today", now=NOW)) is None


def _figures_from_orders(period, filters: Filters) -> dict:
    """``order_figures`` with each customer's first orders read from their orders."""
    sql = f"""
        WITH pc AS (
            SELECT o.customer_id, o.signed_at >= %(start)s AS cur, count(*) AS n, sum(o.amount) AS gmv
            FROM sales_order o
            WHERE o.signed_at >= %(pstart)s AND o.signed_at < %(end)s AND o.status <> 'cancelled'
            {filters.orders()}
            GROUP BY 1, 2
        ), flagged AS (
            SELECT pc.cur, pc.n, pc.gmv,
                (pc.n >= 2 OR (SELECT count(*) FROM sales_order o2 WHERE o2.customer_id = pc.customer_id
                               AND o2.status <> 'cancelled'
                               AND o2.signed_at < CASE WHEN pc.cur THEN %(end)s ELSE %(start)s END) >= 2) AS repeat,
                (pc.cur AND NOT EXISTS (SELECT 1 FROM sales_order o3 WHERE o3.customer_id = pc.customer_id
                                        AND o3.status <> 'cancelled' AND o3.signed_at < %(start)s)) AS is_new
            FROM pc
        )
        SELECT cur, sum(gmv), sum(n), count(*), count(*) FILTER (WHERE repeat), count(*) FILTER (WHERE is_new),
            coalesce(sum(gmv) FILTER (WHERE is_new), 0)
        FROM flagged GROUP BY cur ORDER BY cur
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, metrics._both(period, filters))
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def _figures_from_first_orders(period, filters: Filters) -> dict:
    with transaction.atomic():
        got = metrics.order_figures(period, filters)
    out = {}
    for side, cur in (("current", True), ("previous", False)):
        row = got[side]
        if row["paying_customers"]:
            out[cur] = (row["gmv"], row["orders"], row["paying_customers"], row["repeat_customers"])
    return out


def _assert_same_order_figures(data) -> None:
    for period in _periods():
        for filters in _filters(data):
            want = _figures_from_orders(period, filters)
            assert _figures_from_first_orders(period, filters) == {k: v[:4] for k, v in want.items()}
            if True in want:
                with transaction.atomic():
                    mix = metrics.order_figures(period, filters)["customer_mix"]["new"]
                assert (mix["count"], mix["gmv"]) == want[True][4:]


def test_first_orders_follow_cancellations_merges_re_dating_and_deletions(generated, store_a, in_store):
    rng = random.Random(5)
    with in_store(store_a):
        _assert_same_order_figures(generated)
        live = Order.objects.exclude(status=Order.Status.CANCELLED)
        first_orders = list(
            live.order_by("customer_id", "signed_at").distinct("customer_id").values_list("pk", flat=True)
        )
        cancelled = rng.sample(first_orders, 8)
        Order.objects.filter(pk__in=cancelled).update(status=Order.Status.CANCELLED, cancelled_at=NOW)
        customers = list(Customer.objects.order_by("pk"))
        Order.objects.filter(customer=customers[3]).update(customer=customers[4])
        Customer.objects.filter(pk=customers[3].pk).update(merged_into=customers[4])
        redated = rng.choice(first_orders)
        Order.objects.filter(pk=redated).update(signed_at=NOW - timedelta(days=1))
        paid = set(Payment.objects.values_list("order_id", flat=True))
        gone = [pk for pk in first_orders if pk not in paid and pk not in cancelled][:3]
        OrderLine.objects.filter(order_id__in=gone).delete()
        Order.objects.filter(pk__in=gone).delete()
        Order.objects.filter(pk__in=cancelled[:2]).update(status=Order.Status.COMPLETED, cancelled_at=None)
        _assert_same_order_figures(generated)


def test_the_refresh_job_empties_the_change_log_and_leaves_the_rows_a_rebuild_gives(generated, store_a, in_store):
    from tenant_apps.kanban.jobs import refresh_rollups

    with in_store(store_a):
        result = refresh_rollups(at=NOW)
        left = _changed_days("true") + _changed_customers()
        kept = _rollup_rows()
        with transaction.atomic():
            rollups.rebuild()

        assert result["days"] > 0
        assert left == 0
        assert _rollup_rows() == kept


def _completion_from_orders(period, filters: Filters, window: int) -> dict:
    """``completion_figures`` with each completed order's follow-ups read from the follow-ups."""
    sql = f"""
        SELECT o.completed_at >= %(start)s AS cur, count(*), count(*) FILTER (WHERE o.rating IS NOT NULL),
            count(*) FILTER (WHERE o.rating >= 4),
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM customers_followup f WHERE f.customer_id = o.customer_id
                  AND f.created_at >= o.completed_at AND f.created_at < o.completed_at + make_interval(days => %(w)s)))
        FROM sales_order o
        WHERE o.completed_at >= %(pstart)s AND o.completed_at < %(end)s AND o.status <> 'cancelled'
        {filters.orders()}
        GROUP BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {**metrics._both(period, filters), "w": window})
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    return {
        side: dict(zip(("completed", "rated", "positive", "visited"), rows.get(cur, (0, 0, 0, 0)), strict=True))
        for side, cur in (("current", True), ("previous", False))
    }


def _assert_same_completion_figures(data) -> None:
    for period in _periods():
        for filters in _filters(data):
            for window in (1, 7):
                with transaction.atomic():
                    got = metrics.completion_figures(period, filters, window_days=window)
                assert got == _completion_from_orders(period, filters, window), (period.range, filters, window)


def _history_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT day, kind, level, channel_id, owner_id, gap, orders, amount, rated, positive"
            " FROM kanban_historyrollup ORDER BY 1, 2, 3, 4, 5, 6"
        )
        return cursor.fetchall()


def _facts() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM kanban_orderfact ORDER BY order_id")
        return cursor.fetchall()


def test_order_facts_follow_completions_ratings_follow_ups_and_moves_between_channels_and_owners(
    generated, store_a, in_store
):
    from tenant_apps.customers.models import FollowUp

    rng = random.Random(11)
    with in_store(store_a):
        _assert_same_order_figures(generated)
        _assert_same_completion_figures(generated)
        completed = list(Order.objects.filter(completed_at__isnull=False).order_by("pk"))
        assert len(completed) > 10
        # A follow-up inside the window of some completed orders, one moved away, one deleted.
        for order in rng.sample(completed, 5):
            FollowUp.objects.create(
                customer_id=order.customer_id,
                author=generated.owners[0],
                kind="call",
                content="回访",
                created_at=order.completed_at + timedelta(hours=30),
            )
        follow_ups = list(FollowUp.objects.order_by("pk"))
        FollowUp.objects.filter(pk=follow_ups[0].pk).update(customer_id=completed[0].customer_id)
        FollowUp.objects.filter(pk=follow_ups[1].pk).update(created_at=F("created_at") - timedelta(days=3))
        FollowUp.objects.filter(pk=follow_ups[2].pk).delete()
        # Completion, rating, channel and owner changes.
        Order.objects.filter(pk=completed[1].pk).update(completed_at=None)
        Order.objects.filter(pk=completed[2].pk).update(rating=5)
        Order.objects.filter(pk=completed[3].pk).update(completed_at=completed[3].completed_at - timedelta(days=4))
        moved = rng.sample(list(Order.objects.order_by("pk").values_list("pk", flat=True)), 12)
        Order.objects.filter(pk__in=moved[:6]).update(channel=generated.channels[0])
        Order.objects.filter(pk__in=moved[6:]).update(owner=generated.owners[0])
        Order.objects.filter(pk__in=moved[:3]).update(amount=F("amount") + Decimal("10.00"))
        _assert_same_order_figures(generated)
        _assert_same_completion_figures(generated)

        with transaction.atomic():
            rollups.ensure_customers_fresh()
        kept, history = _facts(), _history_rows()
        with transaction.atomic():
            rollups.rebuild()
        assert _facts() == kept
        assert _history_rows() == history


def _today_from_orders(period, filters: Filters) -> dict:
    return {
        "rankings": metrics._ranking_rows(metrics._order_rankings(period, filters, LIMIT)),
        **metrics._breakdown_body(period, metrics._order_breakdown_rows(period, filters)),
    }


def _today_as_read(period, filters: Filters) -> dict:
    with transaction.atomic():
        return {"rankings": metrics.rankings(period, filters, limit=LIMIT), **metrics.breakdowns(period, filters)}


def test_today_reads_the_days_rollup_rows_unless_an_order_is_signed_later_that_day(generated, store_a, in_store):
    with in_store(store_a):
        period = resolve_period(range="today", now=NOW)
        owner = generated.owners[0]
        customer, product = make_customer(owner=owner), make_product(list_price="80.00")
        make_order(customer=customer, owner=owner, lines=[(product, 2, "80.00")], signed_at=NOW - timedelta(minutes=30))
        assert Order.objects.filter(signed_at__gte=period.start, signed_at__lt=NOW).count() >= 1
        assert rollups.covers_today(period) is not None
        for filters in _filters(generated):
            assert _today_as_read(period, filters) == _today_from_orders(period, filters), filters

        make_order(customer=customer, owner=owner, lines=[(product, 1, "80.00")], signed_at=NOW + timedelta(minutes=20))
        assert rollups.covers_today(period) is None
        for filters in _filters(generated):
            assert _today_as_read(period, filters) == _today_from_orders(period, filters), filters


def test_net_revenue_of_part_days_equals_their_payments(generated, store_a, in_store):
    """``today`` and the part-day before it, read from the day rows less their edges where that is
    shorter, equal the payments summed directly, at every time of the day and for every filter."""
    day = NOW.date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=TZ)
    with in_store(store_a):
        orders = list(Order.objects.exclude(status=Order.Status.CANCELLED).order_by("pk")[:12])
        rng = random.Random(5)
        # Payments every few hours over yesterday, today and the next day (one just after "now").
        for n in range(40):
            at = midnight - timedelta(days=1) + timedelta(minutes=rng.randrange(3 * 24 * 60))
            Payment.objects.create(
                order=rng.choice(orders),
                kind=rng.choice([Payment.Kind.COLLECTION, Payment.Kind.SUPPLEMENT, Payment.Kind.REFUND]),
                amount=Decimal(f"{rng.randint(1, 900)}.{n:02d}"),
                method=Payment.Method.CASH,
                status=Payment.Status.CONFIRMED,
                confirmed_at=at,
            )
        instants = [
            midnight,
            midnight + timedelta(seconds=1),
            midnight + timedelta(hours=3),
            midnight + timedelta(hours=11, minutes=59),
            midnight + timedelta(hours=12, minutes=1),
            midnight + timedelta(hours=20),
            midnight + timedelta(days=1) - timedelta(seconds=1),
        ]
        read_from_rollups = 0
        for at in instants:
            period = resolve_period(range="today", now=at)
            read_from_rollups += rollups.day_edges(period)[0] is not None
            read_from_rollups += rollups.day_edges(period.previous())[0] is not None
            for filters in _filters(generated):
                with transaction.atomic():
                    got = metrics.net_revenue(period, filters)
                assert got == metrics._order_net_revenue(period, filters), (at, filters)
        # Late in the day both periods come from the day rows: the comparison covered that path.
        assert rollups.day_edges(resolve_period(range="today", now=instants[5]))[0] == (day, day)
        assert read_from_rollups >= 6
        # A payment moved within today is seen on the next read.
        moved = Payment.objects.filter(confirmed_at__gte=midnight, confirmed_at__lt=instants[5]).first()
        Payment.objects.filter(pk=moved.pk).update(confirmed_at=midnight - timedelta(hours=2))
        period = resolve_period(range="today", now=instants[5])
        with transaction.atomic():
            assert metrics.net_revenue(period, Filters()) == metrics._order_net_revenue(period, Filters())


def test_net_revenue_of_a_period_in_another_zone_reads_the_payments(generated, store_a, in_store):
    from zoneinfo import ZoneInfo

    with in_store(store_a):
        period = resolve_period(range="today", now=NOW, tz=ZoneInfo("America/Bogota"))
        assert rollups.day_edges(period)[0] is None
        for filters in _filters(generated):
            with transaction.atomic():
                assert metrics.net_revenue(period, filters) == metrics._order_net_revenue(period, filters)


def test_one_body_sets_the_search_path_once_and_checks_each_range_once(generated, store_a, in_store, monkeypatch):
    """A Kanban body runs on one cursor (django-tenants sends ``SET search_path`` per cursor) and
    checks the rollups' zone and each range's changes once, and the body is the same as without
    the shared scope."""
    import contextlib

    from django.test.utils import CaptureQueriesContext

    from tenant_apps.kanban.reporting import kanban_body

    with in_store(store_a):
        period = resolve_period(range="today", now=NOW)
        kanban_body(period=period)
        with CaptureQueriesContext(connection) as queries:
            body = kanban_body(period=period)
        statements = [q["sql"] for q in queries.captured_queries]
        assert sum("FROM kanban_rollupstate" in s for s in statements) == 1, statements
        assert sum("customers_reporting_changedcustomer" in s for s in statements) == 1, statements

        monkeypatch.setattr(rollups, "read_scope", contextlib.nullcontext)
        with CaptureQueriesContext(connection) as unscoped:
            plain = kanban_body(period=period)
        assert plain == body

        def paths(captured) -> int:
            return sum(q["sql"].startswith("SET search_path") for q in captured)

        # Left: the one of the shared cursor and those of the few ORM reads (settings, policies).
        assert paths(queries.captured_queries) * 4 <= paths(unscoped.captured_queries), statements
        assert sum("FROM kanban_rollupstate" in q["sql"] for q in unscoped.captured_queries) > 1
