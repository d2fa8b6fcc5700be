"""What the action log costs a write: order creation through the whole stack with the action-log
triggers on and off, and a bulk update of many rows (statement-level triggers, one INSERT per
statement).

    DATABASE_URL=postgresql://.../crm_bench .venv/bin/python -m bench actionlog [--orders 200] [--rounds 5]

One store is made through the real path with a customer and three products. ``POST /api/v1/orders``
(three lines, prepaid, bearer token, DEBUG off) runs in alternating rounds with the store's
action-log triggers enabled and disabled (``ALTER TABLE ... DISABLE TRIGGER`` on the audit
triggers only; the change journals and everything else stay on), so that both modes see the same
load. The bulk part updates the city of N customers in one statement, on and off. Reported: p50/p95
per mode, the overhead, statements per request, and the action-log rows written per order.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench import common


def _audit_triggers(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND t.tgname LIKE 'pgtrigger_audit_%%'"
    )
    return cursor.fetchall()


def _switch(schema: str, *, on: bool) -> int:
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(schema), connection.cursor() as cursor:
        triggers = _audit_triggers(cursor)
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE "{table}" {"ENABLE" if on else "DISABLE"} TRIGGER "{name}"')
    return len(triggers)


def _count(schema: str, sql: str) -> int:
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench actionlog")
    parser.add_argument("--orders", type=int, default=200, help="orders per mode")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    parser.add_argument("--bulk", type=int, default=20000, help="customers updated in one statement")
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=args.reset)

    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from shared_apps.accounts.services import token_create
    from tenant_apps.customers.models import Customer
    from tenant_apps.sales.models import Product
    from tenants.routing import store_host

    owner = common.bench_owner()
    store = common.create_store("audit", owner=owner)
    schema = store.schema_name
    with schema_context(schema):
        customer = Customer.objects.create(name="Bench buyer", owner=owner, mobile="13800000000")
        products = [Product.objects.create(sku=f"B-{i}", name=f"Pallet {i}", list_price="100.00") for i in range(3)]
        Customer.objects.bulk_create(Customer(name=f"Bulk {i}", province="浙江") for i in range(args.bulk))
    _token, value = token_create(user=owner, name="actionlog bench", ttl_days=1)
    client = Client(HTTP_HOST=store_host(store.subdomain), HTTP_AUTHORIZATION=f"Bearer {value}")
    body = {
        "customer": customer.pk,
        "payment_mode": "prepaid",
        "lines": [{"product": p.pk, "quantity": 2, "unit_price": "100.00"} for p in products],
    }

    statements = {"on": [], "off": []}
    # Time inside the writing statements (the triggers run within them): less noisy than the request.
    writes = {"on": [], "off": []}

    def counter(mode):
        def wrapper(execute, sql, params, many, context):
            statements[mode][-1] += 1
            if not sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                return execute(sql, params, many, context)
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                writes[mode][-1] += (time.perf_counter() - started) * 1000

        return wrapper

    def create_orders(n: int, mode: str) -> list[float]:
        took = []
        for _ in range(n):
            statements[mode].append(0)
            writes[mode].append(0.0)
            with connection.execute_wrapper(counter(mode)):
                started = time.perf_counter()
                response = client.post("/api/v1/orders", body, content_type="application/json")
                took.append((time.perf_counter() - started) * 1000)
            if response.status_code != 201:
                raise RuntimeError(f"POST /api/v1/orders answered {response.status_code}: {response.content[:300]!r}")
        return took

    create_orders(10, "on")  # warm up
    times: dict[str, list[float]] = {"on": [], "off": []}
    per_round = max(1, args.orders // args.rounds)
    for _ in range(args.rounds):
        for mode in ("on", "off"):
            _switch(schema, on=mode == "on")
            times[mode] += create_orders(per_round, mode)
    triggers = _switch(schema, on=True)
    entries_before = _count(schema, "SELECT count(*) FROM audit_actionentry")
    create_orders(1, "on")
    per_order = _count(schema, "SELECT count(*) FROM audit_actionentry") - entries_before

    bulk = {}
    for mode in ("off", "on", "off", "on"):
        _switch(schema, on=mode == "on")
        with schema_context(schema), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("UPDATE customers_customer SET city = md5(random()::text) WHERE name LIKE 'Bulk %%'")
            bulk.setdefault(mode, []).append(time.perf_counter() - started)
    _switch(schema, on=True)

    p = {mode: (common.percentile(v, 50), common.percentile(v, 95), statistics.fmean(v)) for mode, v in times.items()}
    rows = [
        [
            f"POST /api/v1/orders, triggers {mode}",
            len(times[mode]),
            f"{p[mode][0]:.1f}",
            f"{p[mode][1]:.1f}",
            f"{p[mode][2]:.1f}",
            statistics.median(statements[mode]),
        ]
        for mode in ("on", "off")
    ]
    for row, mode in zip(rows, ("on", "off"), strict=True):
        row.append(f"{common.percentile(writes[mode], 50):.2f}")
    common.print_table(["series", "n", "p50 ms", "p95 ms", "mean ms", "statements", "writes p50 ms"], rows)
    write_overhead = common.percentile(writes["on"], 50) - common.percentile(writes["off"], 50)
    print(f"time inside the writing statements of one order: {write_overhead:+.2f} ms with the triggers (p50)")
    overhead_p50 = p["on"][0] - p["off"][0]
    print(
        f"action-log triggers: {triggers} in the store; one order writes {per_order} action-log rows; "
        f"overhead p50 {overhead_p50:+.1f} ms ({overhead_p50 / p['off'][0] * 100:+.1f} %), "
        f"mean {p['on'][2] - p['off'][2]:+.1f} ms"
    )
    bulk_on, bulk_off = min(bulk["on"]), min(bulk["off"])
    print(
        f"UPDATE of {args.bulk} customers in one statement: {bulk_off:.2f} s without, {bulk_on:.2f} s with "
        f"the triggers ({args.bulk} entries written; {(bulk_on - bulk_off) / args.bulk * 1e6:.0f} µs per row)"
    )
    common.write_results(
        "actionlog",
        {
            "machine": common.machine(),
            "orders": {
                mode: {"n": len(v), "p50_ms": p[mode][0], "p95_ms": p[mode][1], "mean_ms": p[mode][2]}
                for mode, v in times.items()
            },
            "statements_per_order": {mode: statistics.median(v) for mode, v in statements.items()},
            "entries_per_order": per_order,
            "write_statements_p50_ms": {mode: common.percentile(v, 50) for mode, v in writes.items()},
            "bulk_update": {"rows": args.bulk, "seconds_on": bulk_on, "seconds_off": bulk_off},
        },
    )
    common.drop_store(store)
    return 0
