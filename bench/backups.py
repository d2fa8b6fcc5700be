"""Per-store backup and restore: time and size for a large store, and what a running backup costs
another store's Data Kanban.

1. The store ``bench-orders`` (1,000,000 orders, 100,000 customers by default; made and filled
   by ``bench.data_orders`` once, then reused) is backed up (``pg_dump`` custom format + files +
   manifest): seconds and bytes.
2. The same backup is restored as a sandbox store (``--as``): seconds; the sandbox is dropped.
3. The Kanban of another store (``bench-kanban`` when it exists, else a small fresh store) is
   timed (``kanban_body``, 30 days, no cache) first alone, then while the backup of step 1 runs
   again in a thread: p50/p95 and the ratio.

Backups go to a temporary BACKUP_ROOT, removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time

from bench import common

STORE = "bench-orders"
OTHER = "bench-kanban"


def _kanban_timer(store, runs: int, warmup: int):
    from django.db import connections
    from django_tenants.utils import tenant_context

    from shared_apps.reporting.periods import resolve_period
    from tenant_apps.kanban.reporting import kanban_body

    def timed(stop: threading.Event | None = None) -> list[float]:
        out = []
        try:
            with tenant_context(store):
                period = resolve_period(range="30d")
                for _ in range(warmup):
                    kanban_body(period=period)
                while True:
                    started = time.perf_counter()
                    kanban_body(period=period)
                    out.append((time.perf_counter() - started) * 1000)
                    if stop is None and len(out) >= runs:
                        break
                    if stop is not None and stop.is_set() and len(out) >= 3:
                        break
        finally:
            connections.close_all()
        return out

    return timed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backups", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=False)

    from django.conf import settings

    from bench.data_orders import ensure_bench_store
    from hq_console import backups
    from hq_console.models import StoreBackup
    from shared_apps.platform import pgtools
    from tenants.models import Store

    store, _filled = ensure_bench_store(STORE, orders=args.orders, customers=args.customers)
    other = Store.objects.filter(subdomain=OTHER).first() or common.create_store("bench-bk-other")
    root = tempfile.mkdtemp(prefix="crm-bench-backups-")
    settings.BACKUP_ROOT = root
    tools = pgtools.find_tools()
    load_before = os.getloadavg()
    try:
        started = time.perf_counter()
        backup = backups.take_backup(store=store, kind=StoreBackup.Kind.MANUAL)
        backup_s = time.perf_counter() - started

        sandbox = f"{STORE}-restored"
        for leftover in Store.objects.filter(subdomain=sandbox):
            common.drop_store(leftover)
        started = time.perf_counter()
        backups.restore_backup(backup=backup, store=store, as_subdomain=sandbox)
        restore_s = time.perf_counter() - started
        common.drop_store(Store.objects.get(subdomain=sandbox))

        timed = _kanban_timer(other, args.runs, args.warmup)
        alone = common.summary(timed())
        stop = threading.Event()
        during: list[float] = []

        def measure():
            during.extend(timed(stop))

        worker = threading.Thread(target=measure)
        worker.start()
        started = time.perf_counter()
        second = backups.take_backup(store=store, kind=StoreBackup.Kind.MANUAL)
        second_s = time.perf_counter() - started
        stop.set()
        worker.join()
        with_backup = common.summary(during)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        StoreBackup.objects.filter(store=store).delete()
    load_after = os.getloadavg()

    rows = [
        ["backup (pg_dump -Fc + files + manifest)", f"{backup_s:.1f}", f"{backup.size / 1e6:.1f}"],
        ["restore as a sandbox store (incl. reconcile)", f"{restore_s:.1f}", ""],
        ["backup again, during the Kanban series", f"{second_s:.1f}", f"{second.size / 1e6:.1f}"],
    ]
    print(f"\nstore {STORE}: {backup.manifest['tables'].get('sales_order')} orders; pg_dump {tools.major}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    common.print_table(["step", "seconds", "MB"], rows)
    common.print_table(
        ["Kanban of another store (30 d, no cache)", "p50 ms", "p95 ms", "runs"],
        [
            ["alone", alone["p50"], alone["p95"], alone["n"]],
            ["while a backup runs", with_backup["p50"], with_backup["p95"], with_backup["n"]],
        ],
    )
    common.write_results(
        "backups",
        {
            "orders": backup.manifest["tables"].get("sales_order"),
            "customers": backup.manifest["tables"].get("customers_customer"),
            "backup_seconds": round(backup_s, 2),
            "backup_bytes": backup.size,
            "restore_as_sandbox_seconds": round(restore_s, 2),
            "kanban_other_store_alone_ms": alone,
            "kanban_other_store_during_backup_ms": with_backup,
            "load_average": {"before": load_before, "after": load_after},
        },
    )
    return 0
