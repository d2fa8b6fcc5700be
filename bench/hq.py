"""HQ federation benchmark: the consolidated dashboard at scale, freshness, reconciliation.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/crm_g_bench \\
        .venv/bin/python -m bench.hq [--phase dashboard|freshness|reconcile|all] [--orders 1000000]

* ``dashboard``: 1,000,000 orders in all, as public facts generated directly in the database
  (``INSERT … SELECT generate_series``, the same rows a drain would write: orders, lines,
  customers with first/second order times, confirmed payments, follow-ups, releases, claims,
  daily enquiries), first over 1,000 stores, then again over 10 stores. The stores' feeds are then
  written with their zone, so that the feed's trigger sums every fact into the day rollups as a
  store's first drain does; ``refresh_derived`` and the fold of the day rollups follow, as the drain
  and the job ``hq.fold_day_rollups`` would. Each size's facts are in a database of their own (the
  first size's in DATABASE_URL, each other one's in a sibling named ``<database>_s<stores>``) and
  served by a process of their own; the sizes' requests alternate, two at a time, so that a drift
  of the machine's speed weighs on every size alike. For each size: p50/p95 of the 30-day dashboard
  (``dashboard_query``, the API's whole computation including the per-store rows), with and without
  a channel filter, and of 7 days; of the whole HTTP request for the 30-day API body and for the
  HTML page (Django's test client, an HQ executive signed in; with the response's size); and the
  ratios p95(1,000) / p95(10).
* ``freshness``: a real Celery worker and beat on Redis (``CELERY_BROKER_URL``, default
  ``redis://127.0.0.1:6379/5``): seconds from signing an order in a store (``order_create``) to
  the order counting on the HQ dashboard, while (``--load-rate``, default 20) real orders are
  signed at that rate over ``--load-stores`` (50) other real stores by ``--load-processes`` (4)
  processes; reports p50/p95 of those seconds, the load actually achieved and the load average.
  The default queue's worker and the batch queue's worker run apart, as deployed; with
  ``--reconcile-after N`` the nightly ``hq.reconcile`` is dispatched to every store after the N-th
  sample, and the samples taken while it runs on the batch worker are reported on their own.
* ``reconcile``: one store with 100,000 orders (``bench.data_orders.generate``): the time of a
  full rebuild of its facts from nothing (with their derived columns and the store's day rollup
  sums), then of a reconciliation that finds nothing to fix; then the fold of what the rebuild
  appended to the day rollups and their check against the facts (the nightly job).

The bench stores of the dashboard phase are rows only (no schema): they are removed at the end
(``--keep`` leaves them, ``--reuse`` takes them again when their sizes match).
Results go to bench/results/hq.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import time
from decimal import Decimal

from bench import common

DASHBOARD_RUNS = 20
FAKE_PREFIX = "bench-hq-"


def _exec(sql: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def remove_fake_stores() -> None:
    from django.db import connection

    from hq_reports.rollups import KINDS

    tables = [kind.model._meta.db_table for kind in KINDS.values()]
    # Truncating skips the triggers that keep the day rollups: they go with the facts.
    tables += ["hq_reports_storefeed", "hq_reports_storetotals", "hq_reports_dayrollup", "hq_reports_dayrollupdelta"]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if cursor.fetchone()[0]:  # a table of a migration not yet applied is not there
                cursor.execute(f"TRUNCATE {table}")
        # Rows only (no schema, nothing else points at them): removed in SQL, whatever the models say.
        # A real store whose name shares the prefix (it has a schema) is not one of them.
        cursor.execute(
            """
            DELETE FROM tenants_store WHERE subdomain LIKE %s
              AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = schema_name)
            """,
            [FAKE_PREFIX + "%"],
        )


def _remove_leftovers() -> None:
    """Bench stores of an interrupted run (rows without a schema) would stop ``migrate_schemas``."""
    from django.db import DatabaseError

    with contextlib.suppress(DatabaseError):  # a fresh database: nothing to remove yet
        remove_fake_stores()


def generate_facts(*, stores: int, orders: int, days: int = 730, seed: float = 0.42) -> dict:
    """``stores`` bench stores (rows only) sharing ``orders`` orders, as public facts."""
    from django.db import connection, transaction

    from hq_reports.rollups import fold_day_rollups, refresh_derived
    from tenants.models import Store, Subsidiary

    started = time.perf_counter()
    remove_fake_stores()
    subsidiaries = [
        Subsidiary.objects.get_or_create(code=f"bench-sub-{i}", defaults={"name": f"Bench subsidiary {i}"})[0]
        for i in range(10)
    ]
    Store.objects.bulk_create(
        [
            Store(
                schema_name=f"bench_hq_{i}",
                name=f"Bench HQ {i}",
                subdomain=f"{FAKE_PREFIX}{i}",
                subsidiary=subsidiaries[i % len(subsidiaries)],
            )
            for i in range(stores)
        ],
        batch_size=1000,
    )
    per_store = orders // stores
    customers = max(per_store // 4, 1)
    params = {"per": per_store, "customers": customers, "days": days}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "CREATE TEMP TABLE bench_stores ON COMMIT DROP AS SELECT id FROM tenants_store WHERE subdomain LIKE %s",
            [FAKE_PREFIX + "%"],
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_customerfact (store_id, customer_id, created_at, channel_id, platform, owner_id,
                owner_since, province, merged)
            SELECT id, c, created, 1 + c %% 3, (ARRAY['tmall','jd','pdd'])[1 + c %% 3],
                   CASE WHEN r1 < 0.8 THEN 1 + c %% 20 END,
                   CASE WHEN r1 < 0.8 THEN least(created + r2 * interval '30 days', now()) END,
                   (ARRAY['广东','浙江','江苏','山东','河北',''])[1 + c %% 6], false
            FROM (SELECT s.id, c, now() - random() * (%(days)s + 30) * interval '1 day' AS created,
                         random() AS r1, random() AS r2
                  FROM bench_stores s, generate_series(1, %(customers)s) c) x
            ORDER BY created
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_orderfact (store_id, order_id, customer_id, owner_id, channel_id, platform, device,
                status, cancelled, amount, collected, payment_mode, due_date, fully_collected_at, signed_at,
                completed_at, rating, province)
            SELECT id, o, customer, 1 + customer %% 20, 1 + o %% 3, (ARRAY['tmall','jd','pdd'])[1 + o %% 3],
                   (ARRAY['pc','mobile','app','unknown'])[1 + o %% 4],
                   CASE WHEN cancelled THEN 'cancelled' WHEN done THEN 'completed' ELSE 'pending_outbound' END,
                   cancelled, amount,
                   CASE WHEN cancelled THEN 0 WHEN credit AND r3 < 0.15 THEN round(amount / 2, 2) ELSE amount END,
                   CASE WHEN credit THEN 'credit' ELSE 'prepaid' END,
                   CASE WHEN credit THEN (signed + interval '30 days')::date END,
                   CASE WHEN cancelled OR (credit AND r3 < 0.15) THEN NULL ELSE signed + interval '1 day' END,
                   signed,
                   CASE WHEN done THEN signed + (3 + r3 * 6) * interval '1 day' END,
                   CASE WHEN done AND r3 < 0.6 THEN 1 + floor(r2 * 5)::int END,
                   (ARRAY['广东','浙江','江苏','山东','河北',''])[1 + customer %% 6]
            FROM (SELECT s.id, o, 1 + floor(random() * %(customers)s)::int AS customer,
                         now() - random() * %(days)s * interval '1 day' AS signed,
                         round((200 + random() * 19800)::numeric, 2) AS amount,
                         random() < 0.04 AS cancelled, random() < 0.25 AS credit,
                         random() AS r2, random() AS r3
                  FROM bench_stores s, generate_series(1, %(per)s) o) x,
                 LATERAL (SELECT NOT cancelled AND signed < now() - interval '12 days' AS done) d
            -- Drains append facts as orders are signed: the table is in time order, not store order.
            ORDER BY signed
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_orderlinefact (store_id, line_id, order_id, sku, product_name, category_name,
                quantity, amount, signed_at, cancelled, channel_id, platform, owner_id)
            SELECT o.store_id, o.order_id * 4 + n, o.order_id, 'P-' || sku, 'Pallet ' || sku, 'Category ' || (sku % 6),
                   1 + n, CASE WHEN n = 0 THEN o.amount ELSE round(o.amount / 10, 2) END, o.signed_at, o.cancelled,
                   o.channel_id, o.platform, o.owner_id
            FROM hq_reports_orderfact o,
                 LATERAL (SELECT n, (o.order_id * 7 + n * 13) % 80 AS sku
                          FROM generate_series(0, (o.order_id % 3)::int) n) l
            """
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_paymentfact (store_id, payment_id, order_id, kind, amount, confirmed_at, customer_id,
                channel_id, platform, owner_id)
            SELECT store_id, order_id, order_id, 'collection', collected, signed_at + interval '1 day', customer_id,
                   channel_id, platform, owner_id
            FROM hq_reports_orderfact WHERE collected > 0
            """,
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_followupfact (store_id, follow_up_id, customer_id, author_id, created_at)
            SELECT store_id, order_id, customer_id, owner_id, completed_at + interval '2 days'
            FROM hq_reports_orderfact WHERE completed_at IS NOT NULL AND order_id % 3 = 0
            """,
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_releasefact (store_id, release_id, customer_id, former_owner_id, cause, at)
            SELECT store_id, customer_id, customer_id, 1 + customer_id % 20, 'idle',
                   now() - (customer_id % 700) * interval '1 day'
            FROM hq_reports_customerfact WHERE customer_id % 50 = 0
            """,
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_claimfact (store_id, claim_id, customer_id, applicant_id, decided_at)
            SELECT store_id, release_id, customer_id, 1 + customer_id % 19, at + interval '3 days'
            FROM hq_reports_releasefact WHERE customer_id % 100 = 0
            """,
        )
        cursor.execute(
            """
            INSERT INTO hq_reports_enquiryfact (store_id, enquiry_id, day, channel_id, platform, enquiries,
                new_enquiries)
            SELECT s.id, d, (now() AT TIME ZONE 'Asia/Shanghai')::date - d, 1, 'tmall', 20 + d % 7, 10 + d % 5
            FROM bench_stores s, generate_series(0, 119) d
            """,
        )
        cursor.execute(
            """
            UPDATE hq_reports_customerfact c SET first_order_at = x.first, second_order_at = x.second
            FROM (SELECT store_id, customer_id, min(signed_at) AS first,
                         (array_agg(signed_at ORDER BY signed_at))[2] AS second
                  FROM hq_reports_orderfact WHERE NOT cancelled GROUP BY 1, 2) x
            WHERE c.store_id = x.store_id AND c.customer_id = x.customer_id
            """,
        )
        # The stores' feeds, with the zone their facts are summed in: the feed's trigger puts every
        # fact of each store in the day rollups of that zone, as when a drain first sets it.
        rollup_started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO hq_reports_storefeed (store_id, return_visit_window_days, events_applied, last_event_id,
                last_drained_at, last_reconcile_report, rollup_zone)
            SELECT s.id, 7, 0, 0, now(), '{}'::jsonb, t.timezone
            FROM bench_stores s JOIN tenants_store t ON t.id = s.id
            """,
        )
        rollup_seconds = time.perf_counter() - rollup_started
        # What a drain derives from the facts it writes (the customers' order sequences, return
        # visits, first lines of a product, store totals), here for every bench store at once.
        # Statistics of the fresh rows first: the derived statements join the facts with themselves.
        for table in ("orderfact", "orderlinefact", "customerfact", "paymentfact", "followupfact", "storefeed"):
            cursor.execute(f"ANALYZE hq_reports_{table}")
        cursor.execute("SELECT id FROM bench_stores")
        derived_started = time.perf_counter()
        refresh_derived(store_ids=[row[0] for row in cursor.fetchall()])
        derived_seconds = time.perf_counter() - derived_started
    # As the job ``hq.fold_day_rollups`` would: the appended sums into the day rollups.
    fold_started = time.perf_counter()
    folded = fold_day_rollups()
    rollup_seconds += time.perf_counter() - fold_started
    generated = time.perf_counter() - started
    # As autovacuum would after a drain's inserts: statistics, and visibility maps for index-only scans.
    for table in ("orderfact", "orderlinefact", "customerfact", "paymentfact", "followupfact", "releasefact"):
        _exec(f"VACUUM ANALYZE hq_reports_{table}")
    for table in ("claimfact", "enquiryfact", "storefeed", "dayrollup", "dayrollupdelta"):
        _exec(f"VACUUM ANALYZE hq_reports_{table}")
    _exec("ANALYZE tenants_store")
    counts = {}
    for table in ("orderfact", "orderlinefact", "customerfact", "paymentfact"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM hq_reports_{table}")
            counts[table] = cursor.fetchone()[0]
    return {
        "stores": stores,
        "orders_per_store": per_store,
        "rows": counts,
        "generate_seconds": round(generated, 1),
        "derive_seconds": round(derived_seconds, 1),
        "day_rollup_seconds": round(rollup_seconds, 1),
        "day_rollup_rows": folded["rows"],
    }


class StatementLog:
    """Every statement run while active (``connection.execute_wrapper``): SQL, parameters, seconds."""

    def __init__(self):
        self.statements: list[tuple[str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, params, time.perf_counter() - started))


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def time_dashboard(query: str, runs: int, kind: str = "body") -> dict:
    """``runs`` dashboards of ``query`` in this process: each one's seconds and the statements per
    request. ``kind``: ``body`` (``dashboard_query``, the computation), ``api`` (the HTTP request
    ``GET /api/v1/hq/dashboard``, rendered as JSON) or ``page`` (``GET /dashboard/``, the HTML page),
    the last two through Django's test client as a signed-in HQ executive."""
    from django.db import connection
    from django.http import QueryDict

    from hq_reports.api_dashboard import dashboard_query

    params = QueryDict(query)
    client = _hq_client() if kind != "body" else None
    path = {"api": "/api/v1/hq/dashboard?", "page": "/dashboard/?"}.get(kind, "") + query
    timings, size = [], 0
    log = StatementLog()
    with connection.execute_wrapper(log):
        for _ in range(runs):
            started = time.perf_counter()
            if client is None:
                dashboard_query(params)
            else:
                response = client.get(path)
                size = len(response.content)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
            timings.append(time.perf_counter() - started)
    return {"timings": timings, "statements": len(log.statements), "bytes": size}


def _hq_client():
    """A test client on the HQ host, signed in as an HQ executive (made once)."""
    from django.conf import settings
    from django.test import Client

    from shared_apps.accounts.models import HQRole, User

    user, _created = User.objects.update_or_create(
        email="bench-hq-executive@example.com", defaults={"hq_role": HQRole.EXECUTIVE}
    )
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(user)
    return client


def warm_dashboard(query: str, kind: str = "body") -> None:
    """A few dashboards first (connections, caches, templates, the side read's thread), then what
    every web worker does once it has loaded the project (deploy/gunicorn.conf.py)."""
    from config.runtime import freeze_loaded_objects

    time_dashboard(query, 3, kind)
    freeze_loaded_objects()


def explain_slowest(query: str, top: int = 5) -> dict:
    """One dashboard with each statement timed; EXPLAIN ANALYZE of the slowest, in the dashboard's
    settings (one transaction, ``DASHBOARD_SETTINGS``)."""
    from django.db import connection, transaction
    from django.http import QueryDict

    from hq_reports.api_dashboard import dashboard_query
    from hq_reports.dashboard import DASHBOARD_SETTINGS

    log = StatementLog()
    with connection.execute_wrapper(log):
        dashboard_query(QueryDict(query))
    ranked = sorted(log.statements, key=lambda item: -item[2])
    sql, params, _seconds = ranked[0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(DASHBOARD_SETTINGS)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return {
        "statements": len(log.statements),
        "slowest": [
            {"ms": round(seconds * 1000, 1), "sql": " ".join(text.split())[:160]} for text, _p, seconds in ranked[:top]
        ],
        "explain_slowest": plan,
    }


def _facts_in_place(stores: int, orders: int) -> bool:
    """The bench stores and facts of a previous run with the same sizes (``--reuse``)."""
    from hq_reports.models import OrderFact
    from tenants.models import Store

    held = Store.objects.filter(subdomain__startswith=FAKE_PREFIX).count()
    return held == stores and OrderFact.objects.count() == (orders // stores) * stores


# name: (what is timed, the query); see ``time_dashboard``.
DASHBOARD_QUERIES = {
    "30d": ("body", "range=30d"),
    "30d_channel": ("body", "range=30d&channel=tmall"),
    "7d": ("body", "range=7d"),
    "30d_api": ("api", "range=30d"),
    "30d_page": ("page", "range=30d"),
}
PROTOCOL = "@@bench "  # the lines of a size's process meant for the phase (the rest is passed on)


def _size_url(index: int, stores: int) -> str:
    """The database of a size: the first size's is DATABASE_URL, each other one a sibling of it."""
    return common.database_url() if index == 0 else common.sibling_database_url(f"_s{stores}")


def _ensure_database(url: str) -> None:
    from urllib.parse import urlparse, urlunparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


class SizeProcess:
    """One size's facts in a database of their own, and a process that serves its dashboards
    (``python -m bench.hq --phase dashboard-size``), so that the sizes' requests can alternate: on a
    shared machine whose speed drifts by tens of percent over minutes, only requests timed side by
    side compare."""

    def __init__(self, stores: int, url: str, args):
        _ensure_database(url)
        command = [sys.executable, "-m", "bench.hq", "--phase", "dashboard-size", "--stores", str(stores)]
        command += ["--orders", str(args.orders)] + (["--reuse"] if args.reuse else [])
        env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        self.stores = stores
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self._answer()

    def _answer(self):
        for line in self.process.stdout:
            if line.startswith(PROTOCOL):
                return json.loads(line[len(PROTOCOL) :])
            print("  " + line.rstrip(), flush=True)
        raise RuntimeError(f"the process of {self.stores} stores stopped (exit {self.process.wait()})")

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self, *, keep: bool) -> None:
        with contextlib.suppress(Exception):
            self.ask(quit=True, keep=keep)
        self.process.wait(timeout=600)


def phase_dashboard_size(args) -> dict:
    """The process of one size (see ``SizeProcess``): its facts, then the parent's commands."""
    if args.reuse and _facts_in_place(args.stores_one, args.orders):
        generated = {"stores": args.stores_one, "reused": True}
    else:
        print(f"generating {args.orders:,} orders of facts over {args.stores_one} stores...", flush=True)
        generated = generate_facts(stores=args.stores_one, orders=args.orders)

    def reply(value) -> None:
        print(PROTOCOL + json.dumps(value, default=str), flush=True)

    reply(generated)
    for line in sys.stdin:
        command = json.loads(line)
        if "warm" in command:
            warm_dashboard(command["warm"], command.get("kind", "body"))
            reply({"load": _load()})
        elif "time" in command:
            reply(time_dashboard(command["time"], command["runs"], command.get("kind", "body")))
        elif "explain" in command:
            reply(explain_slowest(command["explain"]))
        elif "quit" in command:
            if not command.get("keep"):
                remove_fake_stores()
            reply({})
            break
    return {}


def phase_dashboard(args) -> dict:
    """Each size's dashboards, the sizes taking turns of two requests each (see ``SizeProcess``)."""
    sizes = [int(n) for n in args.stores.split(",")]
    # One size at a time: generating facts takes both cores.
    processes = [SizeProcess(stores, _size_url(index, stores), args) for index, stores in enumerate(sizes)]
    results = {
        str(p.stores): {**p.ready, "database": _size_url(i, p.stores).rsplit("/", 1)[-1]}
        for i, p in enumerate(processes)
    }
    for p in processes:
        print(f"  {p.stores} stores: {p.ready}", flush=True)
    turn = 2
    try:
        for name, (kind, query) in DASHBOARD_QUERIES.items():
            for p in processes:
                p.ask(warm=query, kind=kind)
            load_before = _load()
            timings = {p.stores: [] for p in processes}
            statements = {p.stores: 0 for p in processes}
            sizes_in_bytes = {p.stores: 0 for p in processes}
            for _ in range(DASHBOARD_RUNS // turn):
                for p in processes:
                    answer = p.ask(time=query, runs=turn, kind=kind)
                    timings[p.stores] += answer["timings"]
                    statements[p.stores] += answer["statements"]
                    sizes_in_bytes[p.stores] = answer["bytes"]
            for p in processes:
                stats = common.summary(timings[p.stores])
                stats["queries_per_request"] = round(statements[p.stores] / DASHBOARD_RUNS, 1)
                stats["load_average"] = {"before": load_before, "after": _load()}
                if sizes_in_bytes[p.stores]:
                    stats["response_bytes"] = sizes_in_bytes[p.stores]
                results[str(p.stores)].setdefault("timings", {})[name] = stats
                print(
                    f"  {p.stores} stores {name}: p50 {stats['p50'] * 1000:.0f} ms, p95 {stats['p95'] * 1000:.0f} ms, "
                    f"{stats['queries_per_request']} queries/request, "
                    + (f"{stats['response_bytes']:,} bytes, " if "response_bytes" in stats else "")
                    + f"load {stats['load_average']}",
                    flush=True,
                )
        for p in processes:
            explained = p.ask(explain="range=30d")
            results[str(p.stores)]["statements"] = explained
            print(f"  slowest statements of one 30d dashboard over {p.stores} stores:")
            for item in explained["slowest"]:
                print(f"    {item['ms']:8.1f} ms  {item['sql']}")
            if args.explain and p is processes[0]:
                print("  EXPLAIN ANALYZE of the slowest:")
                for line in explained["explain_slowest"]:
                    print("    " + line)
    finally:
        for p in processes:
            p.close(keep=args.keep)
    if "1000" in results and "10" in results:
        for name in DASHBOARD_QUERIES:
            ratio = results["1000"]["timings"][name]["p95"] / results["10"]["timings"][name]["p95"]
            results[f"ratio_p95_1000_over_10_{name}"] = round(ratio, 2)
            print(f"ratio p95(1000 stores) / p95(10 stores), {name}: {ratio:.2f}")
        results["ratio_p95_1000_over_10"] = results["ratio_p95_1000_over_10_30d"]
    return results


def _bench_access(store):
    from shared_apps.accounts.access import resolve_store_access

    return resolve_store_access(user=common.bench_owner(), store=store)


LOAD_PREFIX = "bench-load-"


def _store_goods(store, *, customers: int = 1):
    """A product and ``customers`` customers of ``store`` to sign orders with (made once)."""
    from django_tenants.utils import tenant_context

    from tenant_apps.customers.models import Customer
    from tenant_apps.customers.services import customer_create
    from tenant_apps.sales.models import Category, Product

    with tenant_context(store):
        access = _bench_access(store)
        category, _ = Category.objects.get_or_create(name="Bench")
        product, _ = Product.objects.get_or_create(
            sku="FRESH-1", defaults={"name": "Fresh pallet", "category": category, "list_price": "100.00"}
        )
        people = list(Customer.objects.filter(name__startswith="Fresh customer").order_by("pk")[:customers])
        for i in range(len(people), customers):
            people.append(customer_create(data={"name": f"Fresh customer {i}"}, access=access))
    return product.pk, [c.pk for c in people]


def _sign(store, product_id: int, customer_id: int) -> None:
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from tenant_apps.sales.inputs import LineInput
    from tenant_apps.sales.services import order_create

    with tenant_context(store), transaction.atomic():
        order_create(
            access=_bench_access(store),
            customer_id=customer_id,
            payment_mode="prepaid",
            lines=[LineInput(product_id, 1, Decimal("100.00"))],
        )


def _load_worker(share: list[tuple[int, int, list[int]]], rate: float, stop, signed, late) -> None:
    """Sign orders round-robin over ``share`` ((store id, product, customers)) at ``rate`` per
    second until ``stop``; counts the orders signed and how often the pace could not be kept."""
    from django.db import connections

    from tenants.models import Store

    connections.close_all()  # a forked process opens its own connection
    stores = {store.pk: store for store in Store.objects.filter(pk__in=[item[0] for item in share])}
    interval = 1.0 / rate
    due = time.monotonic()
    n = 0
    while not stop.is_set():
        store_id, product_id, customers = share[n % len(share)]
        _sign(stores[store_id], product_id, customers[(n // len(share)) % len(customers)])
        n += 1
        with signed.get_lock():
            signed.value += 1
        due += interval
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        elif wait < -1:
            with late.get_lock():
                late.value += 1
            due = time.monotonic()  # behind by more than a second: do not burst to catch up
    connections.close_all()


def _start_load(stores: list, goods: dict, *, rate: float, processes: int):
    """The write load: ``rate`` orders per second over ``stores``, in ``processes`` processes."""
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    stop, signed, late = context.Event(), context.Value("i", 0), context.Value("i", 0)
    items = [(store.pk, *goods[store.pk]) for store in stores]
    connections.close_all()
    workers = [
        context.Process(target=_load_worker, args=(items[i::processes], rate / processes, stop, signed, late))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    return stop, signed, late, workers


def _dispatch_reconcile(broker: str):
    """Send ``hq.reconcile`` to every store as beat would; returns the moment it was sent."""
    from django.utils import timezone

    from config.celery import app

    with app.connection_for_write(broker) as conn:
        app.send_task("platform.dispatch_job", args=("hq.reconcile",), connection=conn)
    print("  hq.reconcile dispatched to every store", flush=True)
    return timezone.now()


def _reconcile_runs(since) -> int:
    """Stores whose reconciliation finished since ``since`` (a job dispatched after ``since``)."""
    from hq_reports.models import StoreFeed

    return StoreFeed.objects.filter(last_reconciled_at__gte=since).count()


def _reconcile_done(since) -> bool:
    from tenants.models import Store

    return _reconcile_runs(since) >= Store.objects.active().count()


def phase_freshness(args) -> dict:
    """Sign orders in a real store while a Celery worker and beat run, with (``--load-rate`` > 0)
    a write load of real orders over ``--load-stores`` other real stores; time until HQ counts them."""
    from django.http import QueryDict

    from bench import data
    from hq_reports.api_dashboard import dashboard_query

    remove_fake_stores()
    store = data.bench_store("bench-fresh")
    product_id, (customer_id,) = _store_goods(store)
    load_stores, goods = [], {}
    if args.load_rate > 0:
        print(f"  preparing {args.load_stores} load stores...", flush=True)
        for i in range(args.load_stores):
            load_store = data.bench_store(f"{LOAD_PREFIX}{i}")
            load_stores.append(load_store)
            goods[load_store.pk] = _store_goods(load_store, customers=5)
        common.after_bulk_change()

    env = {
        **os.environ,
        "CELERY_BROKER_URL": args.broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
    }
    run_dir = os.environ.get("CRM_RUN_DIR") or str(common.REPO / ".run")
    python = sys.executable
    worker = [python, "-m", "celery", "-A", "config", "worker", "-l", "warning", "--pool", "threads"]
    procs = [
        subprocess.Popen(
            [*worker, "--concurrency", str(args.worker_concurrency), "-Q", "celery", "-n", "fresh-default@localhost"],
            env=env,
            cwd=str(common.REPO),
        ),
        subprocess.Popen(
            [*worker, "--concurrency", "1", "-Q", "batch", "-n", "fresh-batch@localhost"],
            env=env,
            cwd=str(common.REPO),
        ),
        subprocess.Popen(
            [python, "-m", "celery", "-A", "config", "beat", "-l", "warning", "-s", f"{run_dir}/hq-bench-beat"],
            env=env,
            cwd=str(common.REPO),
        ),
    ]
    samples: list[float] = []
    reconciling: list[bool] = []
    reconcile_started = None
    phase = random.Random(7)
    load = None
    load_started = time.perf_counter()
    load_average = {"before": _load()}
    try:
        query = QueryDict(f"range=today&store={store.pk}")
        time.sleep(5)  # let the worker and beat connect
        if load_stores:
            load = _start_load(load_stores, goods, rate=args.load_rate, processes=args.load_processes)
            load_started = time.perf_counter()
            print(f"  write load: {args.load_rate} orders/s over {len(load_stores)} stores", flush=True)
            time.sleep(15)  # the load settles (and the drain meets it) before the first sample
        for number in range(args.freshness_samples):
            if args.reconcile_after is not None and number == args.reconcile_after:
                reconcile_started = _dispatch_reconcile(args.broker)
            reconciling.append(reconcile_started is not None and not _reconcile_done(reconcile_started))
            before = dashboard_query(query)["metrics"]["orders"]["value"]
            _sign(store, product_id, customer_id)
            signed = time.perf_counter()
            while True:
                if dashboard_query(query)["metrics"]["orders"]["value"] > before:
                    samples.append(time.perf_counter() - signed)
                    break
                if time.perf_counter() - signed > 120:
                    samples.append(float("inf"))
                    break
                time.sleep(0.2)
            print(f"  visible at HQ after {samples[-1]:.1f} s (load average {_load()})", flush=True)
            # Sign at a random moment of the 10 s beat cycle (a fixed pause would keep every sample
            # at the same phase of it).
            time.sleep(phase.uniform(0.5, 10.5))
    finally:
        load_result = {}
        if load is not None:
            stop, signed_count, late, workers = load
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
                if worker.is_alive():
                    worker.terminate()
            seconds = time.perf_counter() - load_started
            load_result = {
                "target_orders_per_second": args.load_rate,
                "stores": len(load_stores),
                "processes": args.load_processes,
                "orders_signed": signed_count.value,
                "seconds": round(seconds, 1),
                "achieved_orders_per_second": round(signed_count.value / seconds, 2),
                "fell_behind_pace": late.value,
            }
            print(f"  write load: {load_result}", flush=True)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    load_average["after"] = _load()
    summary = common.summary(samples)
    print(f"  seconds from signing to HQ: p50 {summary['p50']:.1f}, p95 {summary['p95']:.1f}, max {summary['max']:.1f}")
    during = [s for s, busy in zip(samples, reconciling, strict=True) if busy]
    reconcile_result = {}
    if reconcile_started is not None:
        reconcile_result = {
            "after_sample": args.reconcile_after,
            "samples_during": common.summary(during) if during else None,
            "samples_outside": common.summary([s for s, busy in zip(samples, reconciling, strict=True) if not busy]),
            "runs_finished": _reconcile_runs(reconcile_started),
        }
        print(f"  during hq.reconcile: {reconcile_result['samples_during']}", flush=True)
    return {
        "broker": args.broker,
        "beat_interval_seconds": 10,
        "worker_concurrency": args.worker_concurrency,
        "reconcile": reconcile_result,
        "load": load_result,
        "load_average": load_average,
        "seconds": summary,
    }


RECONCILE_STORE = "bench-reconcile"


def _reconcile_store(orders: int):
    """The real store of the reconcile phase holding ``orders`` generated orders (reused when it does)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from bench import data
    from bench.data_orders import generate
    from tenants.models import Store

    store = Store.objects.filter(subdomain=RECONCILE_STORE).first()
    if store is not None:
        with schema_context(store.schema_name), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sales_order")
            if cursor.fetchone()[0] == orders:
                return store
        common.drop_store(store)
        common.after_bulk_change()
    store = data.bench_store(RECONCILE_STORE, channels=("tmall", "jd", "pdd", "douyin", "offline"))
    # The store's own triggers name its tables without a schema: it is filled with its schema on the path.
    with schema_context(store.schema_name):
        generate(store.schema_name, orders=orders, customers=orders // 5)
    common.after_bulk_change()
    return store


def phase_reconcile(args) -> dict:
    """A full rebuild of the store's facts from nothing (the facts, their derived columns and the
    store's day rollup sums, appended by the feed's trigger), then a reconciliation that finds
    nothing to fix; the fold of what the rebuild appended; the nightly check of the day rollups."""
    from django_tenants.utils import tenant_context

    from hq_reports import rollups
    from hq_reports.models import OrderFact

    remove_fake_stores()
    store = _reconcile_store(args.reconcile_orders)
    with tenant_context(store):
        for kind in rollups.KINDS.values():
            kind.model.objects.filter(store=store).delete()
        started = time.perf_counter()
        first = rollups.reconcile()
        rebuild = time.perf_counter() - started
        started = time.perf_counter()
        second = rollups.reconcile()
        check = time.perf_counter() - started
    started = time.perf_counter()
    folded = rollups.fold_day_rollups()
    fold = time.perf_counter() - started
    started = time.perf_counter()
    differences = rollups.day_rollup_differences()
    verify = time.perf_counter() - started
    facts = OrderFact.objects.filter(store=store).count()
    print(
        f"  full rebuild {rebuild:.1f} s ({facts:,} orders), clean reconciliation {check:.1f} s, "
        f"fold of the day rollups {fold:.1f} s ({folded}), their check {verify:.1f} s ({differences} differ), "
        f"load average {_load()}"
    )
    return {
        "orders": args.reconcile_orders,
        "order_facts": facts,
        "rebuild_seconds": round(rebuild, 1),
        "clean_reconcile_seconds": round(check, 1),
        "fold_seconds": round(fold, 1),
        "folded": folded,
        "day_rollup_check_seconds": round(verify, 1),
        "day_rollup_differences": differences,
        "load_average": _load(),
        "first_report": first,
        "second_report": second,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hq", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--phase", choices=["dashboard", "freshness", "reconcile", "all", "dashboard-size"], default="all"
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--reconcile-orders", type=int, default=100_000)
    parser.add_argument("--freshness-samples", type=int, default=20)
    parser.add_argument("--load-rate", type=float, default=20.0, help="freshness: orders per second (0: no load)")
    parser.add_argument("--load-stores", type=int, default=50, help="freshness: stores the load is spread over")
    parser.add_argument("--load-processes", type=int, default=4, help="freshness: processes signing the load")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="freshness: Celery worker threads")
    parser.add_argument(
        "--reconcile-after", type=int, default=None, help="freshness: dispatch hq.reconcile after this many samples"
    )
    parser.add_argument("--stores", default="1000,10", help="dashboard: the store counts, in order")
    parser.add_argument("--reuse", action="store_true", help="dashboard: keep facts of the same size in place")
    parser.add_argument("--keep", action="store_true", help="dashboard: leave the last facts in place")
    parser.add_argument("--explain", action="store_true", help="dashboard: print EXPLAIN ANALYZE of the slowest")
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/5")
    args = parser.parse_args(argv)
    broker = args.broker
    if args.phase == "dashboard-size":
        args.stores_one = int(args.stores)
    common.setup_django()
    if args.reuse:
        # Bench stores (rows without a schema) may be in place: migrate the public schema only.
        from django.core.management import call_command

        call_command("migrate_schemas", "--shared", interactive=False, verbosity=0)
    else:
        _remove_leftovers()
        common.prepare(reset=False)
    results = {}
    phases = ("dashboard", "reconcile", "freshness") if args.phase == "all" else (args.phase,)
    if phases == ("dashboard-size",):
        phase_dashboard_size(args)
        return 0
    for phase in phases:
        print(f"== {phase}", flush=True)
        args.broker = broker
        results[phase] = globals()[f"phase_{phase}"](args)
    path_name = "hq" if args.phase == "all" else f"hq_{args.phase}"
    common.write_results(path_name, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
