"""``make test-pooled``: the store-isolation evidence run through PgBouncer.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/crm .venv/bin/python -m tests.pooled [pytest args]

1. PgBouncer in **session** mode (config generated under ``$CRM_RUN_DIR/pgbouncer-session``) in
   front of DATABASE_URL's server; through it, the isolation suite (tests/isolation/, with the
   concurrent cross-store test at 2,000 requests: 8 threads on 8 stores), every race test and the
   pooling tests. They must pass. PgBouncer's peak of server connections is printed.
2. PgBouncer in **transaction** mode: the same concurrent test through it must be refused at the
   process's first connection (``TransactionPoolingDetected``), and ``manage.py check --database
   default`` must fail with ``platform.E002``. Any other outcome fails the run.

``PYTEST_ARGS`` (default ``-n 2 --dist loadfile``) is passed to the session-mode run.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests import servers

RACE_TESTS = sorted(
    str(path.relative_to(servers.REPO))
    for path in (servers.REPO / "tests").rglob("test_*race*.py")
    if "e2e" not in path.parts
)
CONCURRENT = "tests/isolation/test_concurrent_requests.py"
SESSION_TESTS = ["tests/isolation", *RACE_TESTS, "tests/shared_apps/platform/test_pooling.py"]


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DATABASE_POOL_MODE": "session", "CROSS_STORE_REQUESTS": "2000"}


def _watch_servers(bouncer: servers.PgBouncer, peak: dict, stop: threading.Event) -> None:
    """The most server connections PgBouncer held at once (SHOW POOLS: active + idle + used...)."""
    while not stop.wait(2):
        try:
            rows = bouncer.admin("SHOW POOLS")
        except subprocess.CalledProcessError:
            continue
        # database, user, cl_active, cl_waiting, ..., sv_active, sv_active_cancel, sv_being_canceled,
        # sv_idle, sv_used, sv_tested, sv_login
        servers_now = sum(sum(int(v) for v in row[6:13]) for row in rows if row[0] != "pgbouncer")
        waiting = sum(int(row[3]) for row in rows if row[0] != "pgbouncer")
        peak["servers"] = max(peak.get("servers", 0), servers_now)
        peak["clients_waiting"] = max(peak.get("clients_waiting", 0), waiting)


def session_mode(url: str, run_dir: Path, pytest_args: list[str]) -> int:
    with servers.pgbouncer(url, mode="session", pool_size=40, folder=run_dir / "pgbouncer-session") as bouncer:
        print(f"PgBouncer (session mode) on port {bouncer.port}, config {bouncer.folder / 'pgbouncer.ini'}", flush=True)
        peak: dict = {}
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_servers, args=(bouncer, peak, stop), daemon=True)
        watcher.start()
        started = time.monotonic()
        code = subprocess.call(
            # --reuse-db: a session pooler keeps idle server connections to the test database, which
            # would stop pytest-django from dropping it at the end.
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--reuse-db", *pytest_args, *SESSION_TESTS],
            cwd=servers.REPO,
            env=_env(bouncer.url),
            stdin=subprocess.DEVNULL,
        )
        stop.set()
        watcher.join()
        print(
            f"session mode: pytest exit {code} in {time.monotonic() - started:.0f} s; "
            f"PgBouncer held at most {peak.get('servers', 0)} server connections, "
            f"at most {peak.get('clients_waiting', 0)} clients waited",
            flush=True,
        )
        return code


def transaction_mode(url: str, run_dir: Path) -> int:
    with servers.pgbouncer(url, mode="transaction", pool_size=4, folder=run_dir / "pgbouncer-transaction") as bouncer:
        print(f"PgBouncer (transaction mode) on port {bouncer.port}", flush=True)
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x", CONCURRENT],
            cwd=servers.REPO,
            env=_env(bouncer.url),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        check = subprocess.run(
            [sys.executable, "manage.py", "check", "--database", "default"],
            cwd=servers.REPO,
            env=_env(bouncer.url.rsplit("/", 1)[0] + "/postgres"),  # a database that always exists
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
    refused = run.returncode != 0 and "TransactionPoolingDetected" in run.stdout + run.stderr
    checked = check.returncode != 0 and "platform.E002" in check.stderr
    for line in (check.stderr.strip().splitlines() or ["(nothing)"])[:3]:
        print(f"  manage.py check --database default: {line}")
    print(
        f"transaction mode: the concurrent test was {'refused at start' if refused else 'NOT refused'} "
        f"(pytest exit {run.returncode}); "
        f"the database check {'failed with platform.E002' if checked else 'did NOT fail'}",
        flush=True,
    )
    if not refused:
        print(run.stdout[-3000:], run.stderr[-3000:])
    return 0 if refused and checked else 1


def main(argv: list[str]) -> int:
    missing = servers.pgbouncer_missing()
    if missing:
        print(missing)
        return 1
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        print("tests.pooled: set DATABASE_URL to a PostgreSQL server (PgBouncer is put in front of it)")
        return 2
    run_dir = Path(os.environ.get("CRM_RUN_DIR", servers.REPO / ".run"))
    pytest_args = argv or shlex.split(os.environ.get("PYTEST_ARGS", "-n 2 --dist loadfile"))
    session = session_mode(url, run_dir, pytest_args)
    transaction = transaction_mode(url, run_dir)
    return session or transaction


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
