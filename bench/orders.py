"""Lead to cash on a store with 1,000,000 orders: the order list with filters, the price history
while quoting, a quotation PDF and a streamed XLSX export of 100,000 orders.

The store is provisioned through the real path and filled once by ``bench.data_orders`` (COPY;
100,000 customers, 1,000,000 orders over two years with lines, payments, deliveries, ratings);
it is kept between runs. Requests go through the whole Django stack in this process
(``django.test.Client`` on the store's host with a bearer token, DEBUG off):

* order list ``GET /api/v1/orders`` with the filters people use -- status, channel, owner, a
  date range (signed_from/signed_to), ``q`` (an order number prefix, or part of a customer
  name), and all of them together -- as the store admin (store-wide) and as a salesperson
  (own orders); target p95 < 150 ms;
* price history ``GET /api/v1/products/{id}/price-history?customer={id}`` for random
  product/customer pairs that have traded; target p95 < 50 ms;
* quotation PDF ``GET /api/v1/quotations/{id}/pdf`` (3-line quotations, Chinese names); reported;
* XLSX export ``GET /api/v1/orders/export?signed_from=...`` of about 100,000 orders, the streamed
  body read to its end: seconds, size, and the process's peak RSS above its level before
  (sampled every 20 ms).

For each series: p50/p95 wall clock, the SQL share, statements per request and the slowest
statement; for a series that misses its target the slowest statement is EXPLAIN ANALYZEd and
the plan is written to the results.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from bench import common

STORE = "bench-orders"
LIST_TARGET_MS = 150
PRICE_TARGET_MS = 50


class SqlTimer:
    """Statements of a request: count, time, and the slowest with its parameters (for EXPLAIN)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.slowest: tuple[float, str, object] = (0.0, "", None)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.count += 1
            self.seconds += took
            if took > self.slowest[0] and not many and not sql.startswith("SET "):
                self.slowest = (took, sql, params)


def time_requests(client, paths: list[str], *, warmup: int = 5) -> dict:
    from django.db import connection

    for path in paths[:warmup]:
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            for _chunk in response.streaming_content:
                pass
    walls, sqls, queries = [], [], []
    slowest: tuple[float, str, object] = (0.0, "", None)
    for path in paths:
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(path)
            if hasattr(response, "streaming_content"):
                for _chunk in response.streaming_content:
                    pass
            wall = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(
                f"GET {path} answered {response.status_code}: {getattr(response, 'content', b'')[:300]!r}"
            )
        walls.append(wall)
        sqls.append(timer.seconds)
        queries.append(timer.count)
        if timer.slowest[0] > slowest[0]:
            slowest = timer.slowest
    ms = [w * 1000 for w in walls]
    return {
        "n": len(walls),
        "p50_ms": round(common.percentile(ms, 50), 1),
        "p95_ms": round(common.percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "sql_share": round(sum(sqls) / sum(walls), 3),
        "queries_median": statistics.median(queries),
        "slowest_sql_ms": round(slowest[0] * 1000, 1),
        "_slowest": slowest,
    }


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def api_client(user, host: str):
    from django.test import Client

    from shared_apps.accounts.services import token_create

    _token, value = token_create(user=user, name="orders bench", ttl_days=1)
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {value}", HTTP_ACCEPT="application/json")


def _samples(schema: str, rng: random.Random) -> dict:
    """What the requests ask for: real order numbers, customer names, product/customer pairs."""
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            "SELECT o.number, c.name, o.customer_id, o.owner_id FROM sales_order o "
            "JOIN customers_customer c ON c.id = o.customer_id "
            "WHERE o.id IN (SELECT (random() * (SELECT max(id) FROM sales_order))::bigint FROM generate_series(1, 400))"
        )
        orders = cursor.fetchall()
        cursor.execute(
            "SELECT l.product_id, o.customer_id FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id "
            "WHERE l.id IN (SELECT (random() * (SELECT max(id) FROM sales_orderline))::bigint "
            "FROM generate_series(1, 400)) AND o.status <> 'cancelled'"
        )
        pairs = cursor.fetchall()
        cursor.execute("SELECT id FROM sales_product WHERE active ORDER BY id")
        products = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT code FROM workspace_channel ORDER BY code")
        channels = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT (timezone('Asia/Shanghai', signed_at))::date FROM sales_order ORDER BY signed_at DESC "
            "OFFSET 100000 LIMIT 1"
        )
        export_from = cursor.fetchone()[0]
    rng.shuffle(orders)
    return {"orders": orders, "pairs": pairs, "products": products, "channels": channels, "export_from": export_from}


def list_paths(
    samples: dict, rng: random.Random, *, count: int, q_count: int, owner_ids: list[int]
) -> dict[str, list[str]]:
    from datetime import date

    statuses = ["completed", "pending_outbound", "awaiting_payment", "pending_collection", "cancelled"]
    today = date.today()
    orders = samples["orders"]

    def date_range():
        end = today - timedelta(days=rng.randint(0, 700))
        return (end - timedelta(days=rng.choice((1, 7, 30)))).isoformat(), end.isoformat()

    series: dict[str, list[str]] = {
        "bare (newest first)": ["/api/v1/orders"] * count,
        "status": [f"/api/v1/orders?status={rng.choice(statuses)}" for _ in range(count)],
        "channel": [f"/api/v1/orders?channel={rng.choice(samples['channels'])}" for _ in range(count)],
        "owner": [f"/api/v1/orders?owner={rng.choice(owner_ids)}" for _ in range(count)],
        "date range": [],
        "q number prefix": [],
        "q customer name": [],
        "all filters": [],
    }
    for _ in range(count):
        start, end = date_range()
        series["date range"].append("/api/v1/orders?" + urlencode({"signed_from": start, "signed_to": end}))
    for number, name, _customer, _owner in orders[:q_count]:
        series["q number prefix"].append("/api/v1/orders?" + urlencode({"q": number[:12]}))
        series["q customer name"].append("/api/v1/orders?" + urlencode({"q": name[:2]}))
    for _number, name, _customer, _owner in orders[:count]:
        start, end = date_range()
        series["all filters"].append(
            "/api/v1/orders?"
            + urlencode(
                {
                    "status": rng.choice(statuses),
                    "channel": rng.choice(samples["channels"]),
                    "owner": rng.choice(owner_ids),
                    "signed_from": start,
                    "signed_to": end,
                    "q": name[:1],
                }
            )
        )
    return series


def measure_export(client, path: str) -> dict:
    import psutil

    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    response = client.get(path)
    first_byte = None
    size = 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if response.status_code != 200:
        raise RuntimeError(f"export answered {response.status_code}")
    return {
        "path": path,
        "seconds": round(seconds, 1),
        "first_byte_s": round(first_byte or 0.0, 2),
        "bytes": size,
        "rss_before_mb": round(baseline / 2**20, 1),
        "rss_peak_mb": round(peak[0] / 2**20, 1),
        "rss_growth_mb": round((peak[0] - baseline) / 2**20, 1),
        "content_type": response.get("Content-Type", ""),
    }


def _quotations(store, team, samples: dict, rng: random.Random, count: int) -> list[int]:
    from django_tenants.utils import schema_context

    from shared_apps.accounts.access import resolve_store_access
    from tenant_apps.sales.inputs import LineInput
    from tenant_apps.sales.services import quotation_create

    access = resolve_store_access(user=team.admin, store=store)
    ids = []
    with schema_context(store.schema_name):
        for _number, _name, customer_id, _owner in samples["orders"][:count]:
            products = rng.sample(samples["products"], 3)
            lines = [LineInput(p, rng.randint(10, 300), Decimal("88.00")) for p in products]
            quotation = quotation_create(access=access, customer_id=customer_id, lines=lines, notes="基准测试报价单")
            ids.append(quotation.pk)
    return ids


def run(*, orders: int, customers: int, requests: int, q_requests: int, seed: int, export: bool) -> dict:
    from django_tenants.utils import schema_context

    from bench import data, data_orders
    from tenants.routing import store_host

    common.prepare(reset=False)
    store, filled = data_orders.ensure_bench_store(STORE, orders=orders, customers=customers)
    team = data.make_team(store)
    host = store_host(store.subdomain)
    rng = random.Random(seed)
    samples = _samples(store.schema_name, rng)
    sales_ids = [u.pk for u in team.salespeople]
    with schema_context(store.schema_name):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT owner_id, count(*) FROM sales_order GROUP BY owner_id ORDER BY 2")
            counts = dict(cursor.fetchall())
    salesperson = sorted(team.salespeople, key=lambda u: counts.get(u.pk, 0))[len(team.salespeople) // 2]
    print(f"salesperson {salesperson.email} owns {counts.get(salesperson.pk, 0)} orders", flush=True)

    series: list[dict] = []
    plans: dict[str, str] = {}

    def measure(label: str, role: str, client, paths: list[str], target: float | None) -> None:
        load = os.getloadavg()[0]
        result = time_requests(client, paths, warmup=5 if len(paths) >= 30 else 2)
        took, sql, params = result.pop("_slowest")
        result.update(label=label, role=role, load_1m_before=round(load, 2), target_ms=target)
        if target is not None and result["p95_ms"] >= target and sql:
            with schema_context(store.schema_name):
                plans[f"{label} ({role})"] = f"-- {took * 1000:.1f} ms\n{sql}\n-- params {params!r}\n" + explain(
                    sql, params
                )
        result["slowest_sql"] = (sql or "")[:600]
        series.append(result)
        verdict = "" if target is None else (" ok" if result["p95_ms"] < target else " MISSED")
        print(
            f"  {label:<22} {role:<11} p50 {result['p50_ms']:7.1f} ms  p95 {result['p95_ms']:7.1f} ms  "
            f"sql {result['sql_share'] * 100:3.0f} %  q {result['queries_median']:g}  (load {load:.1f}){verdict}",
            flush=True,
        )

    people = {"admin": team.admin, "salesperson": salesperson}
    clients = {role: api_client(user, host) for role, user in people.items()}
    for role in people:
        owners = sales_ids if role == "admin" else [salesperson.pk]
        for label, paths in list_paths(samples, rng, count=requests, q_count=q_requests, owner_ids=owners).items():
            measure(f"list: {label}", role, clients[role], paths, LIST_TARGET_MS)
    pairs = samples["pairs"]
    price_paths = [f"/api/v1/products/{p}/price-history?customer={c}" for p, c in rng.choices(pairs, k=requests)]
    measure("price history", "admin", clients["admin"], price_paths, PRICE_TARGET_MS)
    price_store = [f"/api/v1/products/{p}/price-history" for p in rng.choices(samples["products"], k=requests)]
    measure("price history (store)", "admin", clients["admin"], price_store, PRICE_TARGET_MS)

    quotation_ids = _quotations(store, team, samples, rng, count=10)
    pdf_paths = [f"/api/v1/quotations/{rng.choice(quotation_ids)}/pdf" for _ in range(max(20, requests // 2))]
    measure("quotation PDF", "admin", clients["admin"], pdf_paths, None)

    exported = None
    if export:
        path = "/api/v1/orders/export?" + urlencode({"signed_from": samples["export_from"].isoformat()})
        with schema_context(store.schema_name):
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM sales_order WHERE signed_at >= "
                    "(%s::date)::timestamp AT TIME ZONE 'Asia/Shanghai'",
                    [samples["export_from"]],
                )
                rows = cursor.fetchone()[0]
        print(f"  exporting {rows} orders ...", flush=True)
        exported = measure_export(clients["admin"], path)
        exported["orders"] = rows
        print(
            f"  XLSX export of {rows} orders: {exported['seconds']} s, {exported['bytes'] / 2**20:.1f} MB, "
            f"first byte {exported['first_byte_s']} s, peak RSS +{exported['rss_growth_mb']} MB "
            f"({exported['rss_peak_mb']} MB)",
            flush=True,
        )
    return {
        "store": store.subdomain,
        "schema": store.schema_name,
        "orders": orders,
        "customers": customers,
        "fill": filled,
        "requests_per_series": requests,
        "requests_of_q_series": q_requests,
        "series": series,
        "export": exported,
        "plans_of_missed_targets": plans,
    }


def report(results: dict) -> None:
    print(
        f"\nStore with {results['orders']:,} orders; {results['requests_per_series']} requests per series, DEBUG off\n"
    )
    rows = []
    for s in results["series"]:
        target = "" if s["target_ms"] is None else ("ok" if s["p95_ms"] < s["target_ms"] else "MISSED")
        rows.append(
            [s["label"], s["role"], s["n"], s["p50_ms"], s["p95_ms"], f"{s['sql_share'] * 100:.0f} %",
             s["queries_median"], s["slowest_sql_ms"], f"{target} (<{s['target_ms']})" if target else ""]
        )  # fmt: skip
    common.print_table(["series", "as", "n", "p50 ms", "p95 ms", "SQL", "statements", "slowest SQL ms", "target"], rows)
    for label, plan in results["plans_of_missed_targets"].items():
        print(f"\nEXPLAIN ANALYZE of the slowest statement of {label}:\n{plan}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench orders", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50, help="requests per series (default 50)")
    parser.add_argument(
        "--q-requests", type=int, default=15, help="requests of the q series (slow without their index; default 15)"
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-export", action="store_true", help="skip the XLSX export")
    args = parser.parse_args(argv)
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # plain-HTTP requests in process: no redirect to HTTPS
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    common.setup_django()
    results = run(
        orders=args.orders,
        customers=args.customers,
        requests=args.requests,
        q_requests=args.q_requests,
        seed=args.seed,
        export=not args.no_export,
    )
    report(results)
    common.write_results("orders", results)
    return 0
