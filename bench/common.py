"""What every benchmark shares: Django set-up, the database, making and removing stores, results.

The benchmarks write to the database named by ``DATABASE_URL`` (they refuse to run on the
embedded one) and create or drop stores in it: point it at a throwaway database.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_PASSWORD = "bench-Password-2024!"
BENCH_OWNER = "bench-owner@example.com"
BACKGROUND_OWNER = "bench-background@example.com"
BACKGROUND_PREFIX = "bg-"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        sys.exit("bench: set DATABASE_URL to a throwaway PostgreSQL database (the benchmarks create and drop stores)")
    return url


def setup_django() -> None:
    """Load the project's settings. Celery messages stay in this process (``memory://``): no worker
    picks up the refill task that provisioning sends after commit, so the benchmarks refill the
    spare pool themselves, outside the timed sections."""
    database_url()
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import logging

    import django

    django.setup()
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)


def sibling_database_url(suffix: str) -> str:
    """DATABASE_URL with ``suffix`` appended to the database name (same server, same user)."""
    url = urlparse(database_url())
    return urlunparse(url._replace(path=f"/{url.path.lstrip('/')}{suffix}"))


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    """Drop the database of ``url`` (and create it empty again), through the ``postgres`` database."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def reset_database() -> float:
    """Drop and recreate the database of DATABASE_URL, then migrate it. Returns the seconds taken."""
    from django.db import connections

    started = time.perf_counter()
    connections.close_all()
    recreate_database(database_url())
    migrate_all()
    ensure_public_tenant()
    after_bulk_change()
    return time.perf_counter() - started


def migrate_all() -> None:
    from django.core.management import call_command

    call_command("migrate_schemas", interactive=False, verbosity=0)


def ensure_public_tenant() -> None:
    """The public schema's Store row and the Domain of BASE_DOMAIN (HQ routing)."""
    from tenants.provisioning import ensure_public_tenant as ensure

    ensure()


def bench_owner(email: str = BENCH_OWNER):
    from shared_apps.accounts.models import User
    from shared_apps.accounts.services import user_create

    user = User.objects.filter(email=email).first()
    return user or user_create(email=email, password=BENCH_PASSWORD, name="Bench Owner")


def store_count() -> int:
    from tenants.models import Store

    return Store.objects.stores().count()


def _unique_subdomain(prefix: str) -> str:
    import secrets

    return f"{prefix}{secrets.token_hex(5)}"


def create_store(prefix: str, *, owner=None):
    """One store through the real path (request_store + provision_store)."""
    from tenants.provisioning import create_store_now

    subdomain = _unique_subdomain(prefix)
    return create_store_now(name=f"Bench {subdomain}", subdomain=subdomain, owner=owner, channels=["tmall", "jd"])


def _populate_worker(count: int) -> int:
    from django.db import connections

    connections.close_all()
    owner = bench_owner(BACKGROUND_OWNER)
    for _ in range(count):
        create_store(BACKGROUND_PREFIX, owner=owner)
    connections.close_all()
    return count


def autovacuum_on() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "on"


def analyze_catalogs() -> None:
    """ANALYZE the system catalogs, as autovacuum would after many schemas were made or dropped.

    On a server with autovacuum off the catalogs keep the statistics of an empty database, and
    catalog-heavy statements (django-tenants' clone_schema) pick plans that are many times slower
    with hundreds of schemas; the benchmarks stand in for autovacuum with this call, untimed.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"ANALYZE pg_catalog.{connection.ops.quote_name(name)}")


def after_bulk_change() -> None:
    if not autovacuum_on():
        analyze_catalogs()


def prepare(*, reset: bool) -> None:
    """Start of every benchmark: a migrated database with the HQ rows and fresh catalog statistics."""
    if reset:
        print(f"recreated and migrated the database in {reset_database():.1f} s")
    else:
        migrate_all()
        ensure_public_tenant()
        after_bulk_change()
    if not autovacuum_on():
        print("autovacuum is off on this server: the catalogs are ANALYZEd after stores are made or dropped")
        print("(untimed), as autovacuum would do.")


def ensure_stores(target: int, *, processes: int = 2, quiet: bool = False) -> dict:
    """Grow the number of stores to ``target`` with ``create_store_now`` (real provisioning; with no
    spare left each one is a clone of the template), in ``processes`` parallel processes, in
    batches with the catalogs analyzed between them when autovacuum is off."""
    import multiprocessing

    from django.db import connections

    missing = target - store_count()
    if missing <= 0:
        return {"created": 0, "seconds": 0.0}
    bench_owner(BACKGROUND_OWNER)
    if not quiet:
        print(f"  creating {missing} store(s) with create_store_now in {processes} process(es)...", flush=True)
    started = time.perf_counter()
    while (left := target - store_count()) > 0:
        batch = min(left, max(50, store_count() // 10))
        shares = [batch // processes + (1 if i < batch % processes else 0) for i in range(processes)]
        shares = [s for s in shares if s]
        connections.close_all()
        if len(shares) == 1:
            _populate_worker(shares[0])
        else:
            with multiprocessing.get_context("fork").Pool(len(shares)) as pool:
                pool.map(_populate_worker, shares)
        after_bulk_change()
    seconds = time.perf_counter() - started
    if not quiet:
        print(f"  created {missing} store(s) in {seconds:.1f} s ({seconds / missing:.2f} s each, wall)", flush=True)
    return {"created": missing, "seconds": round(seconds, 2), "processes": processes}


def drop_store(store) -> None:
    """Remove a store completely: its schema, its rows (domain, memberships cascade)."""
    from django.db import connection, transaction

    from tenants.models import Provisioning

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(store.schema_name)} CASCADE")
        Provisioning.objects.filter(subdomain=store.subdomain).delete()
        store.delete()


def trim_stores(target: int, *, keep: tuple[str, ...] = ()) -> int:
    """Drop stores (newest first) until ``target`` are left, never those in ``keep``."""
    from tenants.models import Store

    extra = store_count() - target
    if extra <= 0:
        return 0
    victims = list(Store.objects.stores().exclude(subdomain__in=keep).order_by("-created_at")[:extra])
    for store in victims:
        drop_store(store)
    after_bulk_change()
    return len(victims)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p50 of 20 values is the 10th smallest, p95 the 19th)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 4),
        "p95": round(percentile(values, 95), 4),
        "mean": round(statistics.fmean(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {
        "autovacuum": autovacuum_on(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": pg,
        "platform": platform.platform(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(headers: list[str], rows: list[list]) -> None:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    print("  ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True)))
    print(line)
    for row in cells[1:]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def write_results(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), **data}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nresults written to {path.relative_to(REPO)}")
    return path


@contextlib.contextmanager
def action_log_off(schema: str):
    """Generated history is nobody's action: the store's action-log triggers are disabled while it
    is written (``ALTER TABLE ... DISABLE TRIGGER``; the tables' other triggers, the change journals
    among them, stay on), and enabled again after."""
    from django.db import connection

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, t.tgname FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND t.tgname LIKE 'pgtrigger\\_audit\\_%%'
            """,
            [schema],
        )
        triggers = cursor.fetchall()

    def switch(state: str) -> None:
        with connection.cursor() as cursor:
            for table, name in triggers:
                cursor.execute(f"ALTER TABLE {quote(schema)}.{quote(table)} {state} TRIGGER {quote(name)}")

    switch("DISABLE")
    try:
        yield len(triggers)
    finally:
        switch("ENABLE")


def without_action_log(func):
    """``func(store_or_schema_name, ...)`` run under ``action_log_off`` of that store's schema."""

    @functools.wraps(func)
    def wrapper(store, *args, **kwargs):
        with action_log_off(getattr(store, "schema_name", store)):
            return func(store, *args, **kwargs)

    return wrapper
