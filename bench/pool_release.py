"""The pool-release job (``pool.release``) over 200 stores of 5,000 customers, ~5 % of them due.

How the stores are made, cheaply: one store is provisioned through the real path
(``create_store_now``) and filled by ``bench.data`` (the bench team of 23 people, 5,000
customers, 10,000 follow-ups, 15 % in the pool, 5 % owned and past a release deadline: half
follow-up overdue past the grace period, half idle too long). Its schema is then cloned
``--stores - 1`` times with the clone function provisioning uses (django-tenants'
``CloneSchema().clone_schema(..., "DATA")``, as ``tenants.provisioning`` clones the template), each
clone registered with its Store and Domain rows and the team's memberships; the tables of each
clone are VACUUMed and ANALYZEd (untimed), as autovacuum would. Cloning slows down as the catalogs grow
(5 s per clone at 50 stores, 12 s at 100 on the 2-core machine), so bench stores kept by an
earlier run (``--keep``) are reused: store 000 is refilled and its data copied into the others
(TRUNCATE + INSERT ... SELECT, well under a second each).

Timed:

1. ``manage.py run_job pool.release --at <t>`` in this process (``call_command``): total, and per
   store from the moment each store's line is written;
2. the same again (idempotent: nothing left to release);
3. the same as a separate process (``python manage.py run_job ...``), wall clock including
   Django's start-up.

``--at`` is the same moment for the three runs (the time the data was generated), so each run
sees the same deadlines. The bench stores are dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench import common

PREFIX = "bench-pool-"


class TimedLines(io.TextIOBase):
    """A stdout for call_command that notes when each line is written."""

    def __init__(self):
        self.lines: list[tuple[float, str]] = []
        self._partial = ""

    def write(self, text: str) -> int:
        now = time.perf_counter()
        self._partial += text
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self.lines.append((now, line))
        return len(text)


def _drop_bench_stores() -> int:
    from tenants.models import Store

    stores = list(Store.objects.filter(subdomain__startswith=PREFIX))
    for store in stores:
        common.drop_store(store)
    if stores:
        common.after_bulk_change()
    return len(stores)


DATA_TABLES = (
    "customers_customer",
    "customers_customer_tags",
    "customers_followup",
    "pool_release",
    "pool_claim",
    "customers_customermerge",
    "notifications_notification",
)
COPIED_TABLES = ("customers_customer", "customers_customer_tags", "customers_followup", "pool_release")


def _truncate(cursor, schema: str) -> None:
    from django.db import connection

    q = connection.ops.quote_name(schema)
    cursor.execute("TRUNCATE " + ", ".join(f"{q}.{t}" for t in DATA_TABLES))


def _copy_data(cursor, source: str, schema: str) -> None:
    """Replace the customer data of ``schema`` by that of ``source`` (same tables, same columns)."""
    from django.db import connection

    quote = connection.ops.quote_name
    src, dst = quote(source), quote(schema)
    _truncate(cursor, schema)
    for table in COPIED_TABLES:
        cursor.execute(f"INSERT INTO {dst}.{table} SELECT * FROM {src}.{table}")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{dst}.{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {dst}.{table}))"
        )


def make_stores(*, stores: int, customers: int, follow_ups: int, due_fraction: float) -> dict:
    """``stores`` bench stores with the same fresh data (due for release as of now).

    Store 000 is provisioned (if missing) and (re)filled by the generator; bench stores left by an
    earlier run get a copy of its data (TRUNCATE + INSERT ... SELECT); missing ones are clones.
    """
    from django.db import connection, transaction
    from django_tenants.clone import CloneSchema

    from bench import data
    from tenants.models import Domain, Store
    from tenants.routing import schema_name_for, store_host

    quote = connection.ops.quote_name
    started = time.perf_counter()
    source = data.bench_store(f"{PREFIX}000")
    team = data.make_team(source)
    at = datetime.now(UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        _truncate(cursor, source.schema_name)
    filled = data.fill_store(
        source, customers=customers, follow_ups=follow_ups, due_fraction=due_fraction, team=team, now=at, quiet=True
    )
    first = time.perf_counter() - started
    print(f"  store {source.subdomain}: provisioned and filled in {first:.1f} s; {filled}", flush=True)

    existing = {s.subdomain: s for s in Store.objects.filter(subdomain__startswith=PREFIX)}
    wanted = [f"{PREFIX}{number:03d}" for number in range(1, stores)]
    for extra in sorted(set(existing) - set(wanted) - {source.subdomain}):
        common.drop_store(existing.pop(extra))
    copy_started = time.perf_counter()
    copied = 0
    for subdomain in wanted:
        if subdomain in existing:
            schema = existing[subdomain].schema_name
            with transaction.atomic(), connection.cursor() as cursor:
                _copy_data(cursor, source.schema_name, schema)
            copied += 1
        else:
            schema = schema_name_for(subdomain)
            with transaction.atomic():
                store = Store.objects.create(schema_name=schema, name=f"Bench {subdomain}", subdomain=subdomain)
                Domain.objects.create(domain=store_host(subdomain), tenant=store, is_primary=True)
                CloneSchema().clone_schema(source.schema_name, schema, "DATA", set_connection=True)
                data.add_memberships(store, team)
            connection.set_schema_to_public()
        with connection.cursor() as cursor:
            for table in COPIED_TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {quote(schema)}.{quote(table)}")
        done = wanted.index(subdomain) + 1
        if done % 25 == 0:
            common.after_bulk_change()
            elapsed = time.perf_counter() - copy_started
            print(f"  {done} store(s) copied or cloned in {elapsed:.0f} s", flush=True)
    common.after_bulk_change()
    seconds = time.perf_counter() - copy_started
    return {
        "at": at,
        "source": filled,
        "seconds_first_store": round(first, 1),
        "stores_data_copied": copied,
        "stores_cloned": len(wanted) - copied,
        "seconds_copies_and_clones": round(seconds, 1),
        "stores": stores,
    }


def run_in_process(at: datetime) -> dict:
    """``run_job pool.release --at`` through call_command; per-store seconds from the output lines."""
    from django.core.management import call_command

    out = TimedLines()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    call_command("run_job", "pool.release", at=at.isoformat(), stdout=out)
    total = time.perf_counter() - started
    per_store: list[float] = []
    released = 0
    previous = started
    for moment, line in out.lines[1:]:  # the first line is the header
        match = re.match(r"^(\S+): released=(\d+)", line)
        if match and match.group(1).startswith(PREFIX):
            per_store.append(moment - previous)
            released += int(match.group(2))
        previous = moment
    stats = common.summary(per_store) if per_store else {}
    return {
        "seconds": round(total, 2),
        "stores_run": len(per_store),
        "released": released,
        "per_store_ms": {k: (round(v * 1000, 1) if k != "n" else v) for k, v in stats.items()},
        "load_1m_before": round(load_before, 2),
        "load_1m_after": round(os.getloadavg()[0], 2),
    }


def run_command(at: datetime) -> dict:
    """``python manage.py run_job pool.release --at`` as its own process."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "run_job", "pool.release", "--at", at.isoformat()],
        cwd=common.REPO,
        env={**os.environ, "CELERY_BROKER_URL": "memory://"},
        capture_output=True,
        text=True,
        check=False,
    )
    total = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"run_job failed ({done.returncode}): {done.stderr[-2000:]}")
    released = sum(int(n) for n in re.findall(r"^bench-pool-\d+: released=(\d+)", done.stdout, re.M))
    return {
        "seconds": round(total, 2),
        "released": released,
        "load_1m_before": round(load_before, 2),
        "load_1m_after": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pool_release", description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--customers", type=int, default=5_000, help="customers per store")
    parser.add_argument("--follow-ups", type=int, default=10_000, help="follow-ups per store")
    parser.add_argument("--due", type=float, default=0.05, help="share of customers due for release")
    parser.add_argument("--keep", action="store_true", help="keep the bench stores afterwards")
    parser.add_argument("--allow-other-stores", action="store_true", help="run although other stores exist")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=args.reset)
    from tenants.models import Store

    other = Store.objects.active().exclude(subdomain__startswith=PREFIX).count()
    if other and not args.allow_other_stores:
        print(
            f"{other} other active store(s) in this database would be part of every run: drop them, use another "
            "database, or pass --allow-other-stores",
            file=sys.stderr,
        )
        return 2
    made = make_stores(stores=args.stores, customers=args.customers, follow_ups=args.follow_ups, due_fraction=args.due)
    at = made["at"]
    print(f"\nrunning pool.release at {at.isoformat()} over {args.stores} bench stores (+{other} other store(s))")
    first = run_in_process(at)
    print(f"  1st run (in process): {first}", flush=True)
    second = run_in_process(at)
    print(f"  2nd run (in process): {second}", flush=True)
    third = run_command(at)
    print(f"  3rd run (manage.py process): {third}", flush=True)
    expected = made["source"]["due_overdue"] + made["source"]["due_idle"]
    results = {
        "stores": args.stores,
        "other_active_stores": other,
        "customers_per_store": args.customers,
        "follow_ups_per_store": args.follow_ups,
        "due_per_store": expected,
        "making": {**made, "at": at.isoformat()},
        "first_run": first,
        "second_run": second,
        "command_run": third,
    }
    print(f"\npool.release over {args.stores} stores x {args.customers} customers ({expected} due per store)\n")
    common.print_table(
        ["run", "total s", "released", "per store p50 ms", "p95 ms", "max ms", "load 1m"],
        [
            [
                "1st, in process",
                first["seconds"],
                first["released"],
                first["per_store_ms"].get("p50"),
                first["per_store_ms"].get("p95"),
                first["per_store_ms"].get("max"),
                first["load_1m_before"],
            ],
            [
                "2nd, in process",
                second["seconds"],
                second["released"],
                second["per_store_ms"].get("p50"),
                second["per_store_ms"].get("p95"),
                second["per_store_ms"].get("max"),
                second["load_1m_before"],
            ],
            ["3rd, manage.py", third["seconds"], third["released"], "", "", "", third["load_1m_before"]],
        ],
    )
    if first["released"] != expected * args.stores:
        print(f"\nWARNING: expected {expected * args.stores} releases, got {first['released']}")
    if not args.keep:
        _drop_bench_stores()
    common.write_results("pool_release", results)
    return 0
