"""The store Data Kanban (``GET /api/v1/kanban``'s body) on a store with 1,000,000 orders over two
years and 100,000 customers.

The store is filled once by ``bench.data_orders`` (reused by later runs when it still holds the
same number of orders) plus two years of daily enquiry records per channel; after a refill the
Kanban's daily rollups are rebuilt, and the tables are vacuumed before timing (untimed). Timed, for the
30-day Kanban and the ``today`` Kanban, each with no filter, a channel filter and a salesperson filter.
``today`` is read at 23:59 of the store's last whole local day (the day's full load of orders, its
worst case; the wall clock would give a day just begun at some hours), and once more at the wall clock:

1. ``kanban_body`` without the result cache (every figure computed by SQL), ``--runs`` times after
   ``--warmup`` untimed runs: p50 / p95;
2. ``cached_kanban_body`` after one filling call: hits, which still read the outbox watermark
   (``SELECT max(id) FROM outbox_outboxevent``);
3. the full request ``GET /api/v1/kanban?range=30d`` through Django's test client with a bearer
   token (no cache), to show the framework's share.

    DATABASE_URL=postgresql://.../crm_e_bench .venv/bin/python -m bench.kanban [--orders N] [--customers N]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

from bench import common

SUBDOMAIN = "bench-kanban"
TABLES = (
    "sales_order",
    "sales_orderline",
    "customers_customer",
    "customers_followup",
    "finance_payment",
    "pool_release",
    "kanban_salesrollup",
    "kanban_orderfact",
    "sales_changedday",
    "sales_changedcustomer",
    "finance_changedday",
    "customers_changedday",
    "customers_changedcustomer",
)


def _enquiries(schema: str) -> int:
    """Daily enquiry records for every channel over the last two years (once)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM enquiries_dailyenquiry")
        if cursor.fetchone()[0]:
            return 0
        cursor.execute(
            """
            INSERT INTO enquiries_dailyenquiry (date, channel_id, enquiries, new_enquiries, created_at, updated_at)
            SELECT d::date, c.id, 20 + (abs(hashtext(d::text || c.id)) % 40),
                   5 + (abs(hashtext(c.id || d::text)) % 15), now(), now()
            FROM generate_series(current_date - 730, current_date, interval '1 day') d, workspace_channel c
            """
        )
        count = cursor.rowcount
        cursor.execute("ANALYZE enquiries_dailyenquiry")
        return count


def _prepare_rollups(schema: str, *, rebuild: bool) -> None:
    """Untimed: the daily rollups rebuilt after a refill, then VACUUM ANALYZE so that the figure
    queries' scans are index-only (as autovacuum leaves a store in use)."""
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from tenant_apps.kanban import rollups

    with schema_context(schema):
        if rebuild:
            with transaction.atomic():
                rollups.rebuild()
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")


def _profile(fn, *, explain: int) -> dict:
    """One call of ``fn`` with every statement timed: the count, the summed time, and the slowest
    ``explain`` statements, each with ``EXPLAIN (ANALYZE, BUFFERS)`` run afterwards."""
    from django.db import connection

    timed: list[tuple[float, str, object]] = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(wrapper):
        started = time.perf_counter()
        fn()
        total = (time.perf_counter() - started) * 1000
    slowest = sorted(timed, key=lambda t: -t[0])[:explain]
    plans = []
    with connection.cursor() as cursor:
        for ms, sql, params in slowest:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                plans.append({"ms": round(ms, 2), "sql": sql, "plan": None})
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plans.append({"ms": round(ms, 2), "sql": sql, "plan": "\n".join(r[0] for r in cursor.fetchall())})
    return {
        "total_ms": round(total, 2),
        "queries": len(timed),
        "sql_ms": round(sum(t[0] for t in timed), 2),
        "slowest": plans,
    }


def _time(fn, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kanban", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--explain", type=int, default=0, metavar="N", help="print each scenario's N slowest statements with EXPLAIN"
    )
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=False)

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.utils import timezone
    from django_tenants.utils import schema_context, tenant_context

    from bench.data_orders import ensure_bench_store
    from shared_apps.accounts.models import Membership
    from shared_apps.accounts.services import token_create
    from shared_apps.reporting.periods import local_midnight, resolve_period
    from tenant_apps.kanban.reporting import cached_kanban_body, kanban_body
    from tenants.routing import store_host
    from tenants.storetime import store_zone

    started = time.perf_counter()
    store, filled = ensure_bench_store(SUBDOMAIN, orders=args.orders, customers=args.customers)
    enquiry_rows = _enquiries(store.schema_name)
    print(f"store ready in {time.perf_counter() - started:.1f} s (filled: {filled is not None})", flush=True)
    started = time.perf_counter()
    _prepare_rollups(store.schema_name, rebuild=filled is not None)
    print(f"rollups ready and tables vacuumed in {time.perf_counter() - started:.1f} s", flush=True)
    load_before = os.getloadavg()

    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sales_order")
        orders = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
        cursor.execute("SELECT channel_id FROM sales_order GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        channel_id = cursor.fetchone()[0]
        cursor.execute(
            "SELECT owner_id FROM sales_order WHERE signed_at >= now() - interval '30 days' "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        salesperson_id = cursor.fetchone()[0]

    zone = store_zone(store)
    end_of_full_day = local_midnight(timezone.now().astimezone(zone).date(), zone) - timedelta(minutes=1)
    scenarios = {
        "no filter": ("30d", {}, None),
        "channel": ("30d", {"channel_id": channel_id}, None),
        "salesperson": ("30d", {"salesperson_id": salesperson_id}, None),
        "today": ("today", {}, end_of_full_day),
        "today, channel": ("today", {"channel_id": channel_id}, end_of_full_day),
        "today, salesperson": ("today", {"salesperson_id": salesperson_id}, end_of_full_day),
        "today at the wall clock": ("today", {}, None),
    }
    rows, results = [], {}
    # As a request does: the store is the connection's tenant (its zone is read from it).
    with tenant_context(store):
        for name, (range_name, filters, now) in scenarios.items():
            period = resolve_period(range=range_name, now=now)
            body = kanban_body(period=period, **filters)
            plain = common.summary(
                _time(lambda f=filters, p=period: kanban_body(period=p, **f), args.runs, args.warmup)
            )
            profile = _profile(lambda f=filters, p=period: kanban_body(period=p, **f), explain=max(args.explain, 1))
            if args.explain:
                print(
                    f"\n--- {name}: {profile['queries']} statements, "
                    f"{profile['sql_ms']} ms in SQL of {profile['total_ms']} ms"
                )
                for item in profile["slowest"][: args.explain]:
                    print(f"\n{item['ms']} ms: {item['sql']}\n{item['plan'] or ''}")
            cache.clear()
            cached_kanban_body(period=period, **filters)
            hit = common.summary(_time(lambda f=filters, p=period: cached_kanban_body(period=p, **f), args.runs, 1))
            results[name] = {
                "no_cache_ms": plain,
                "cache_hit_ms": hit,
                "orders_in_period": body["metrics"]["orders"]["value"],
                "queries": profile["queries"],
                "sql_ms": profile["sql_ms"],
                "slowest_statement_ms": profile["slowest"][0]["ms"] if profile["slowest"] else None,
                "target_p95_ms": 100 if range_name == "today" else 300,
            }
            rows.append(
                [
                    name,
                    body["metrics"]["orders"]["value"],
                    plain["p50"],
                    plain["p95"],
                    profile["queries"],
                    hit["p50"],
                    hit["p95"],
                ]
            )

    admin = Membership.objects.filter(store=store, role="admin", is_active=True).select_related("user").first()
    http = None
    if admin is not None:
        _token, value = token_create(user=admin.user, name="bench")
        client = Client(HTTP_HOST=store_host(store.subdomain), HTTP_AUTHORIZATION=f"Bearer {value}")

        def request():
            response = client.get("/api/v1/kanban?range=30d")
            assert response.status_code == 200, response.content[:300]

        with override_settings(KANBAN_CACHE_SECONDS=0):
            http = common.summary(_time(request, args.runs, args.warmup))
        rows.append(["HTTP GET /api/v1/kanban (no cache)", "", http["p50"], http["p95"], "", "", ""])

    load_after = os.getloadavg()
    print(f"\nstore {SUBDOMAIN}: {orders} orders, {customers} customers, {enquiry_rows} enquiry rows added")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    headers = [
        "Kanban (30 days unless said)",
        "orders in P",
        "p50 ms",
        "p95 ms",
        "statements",
        "cached p50 ms",
        "cached p95 ms",
    ]
    common.print_table(headers, rows)
    common.write_results(
        "kanban",
        {
            "orders": orders,
            "customers": customers,
            "runs": args.runs,
            "target_p95_ms_without_cache": 300,
            "scenarios": results,
            "http_no_cache_ms": http,
            "load_average_1min": {"before": load_before[0], "after": load_after[0]},
        },
    )
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
