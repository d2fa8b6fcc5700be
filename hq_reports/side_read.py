"""A second connection for the HQ dashboard's longest statement, on the request's own snapshot.

The dashboard's orders pass (``dashboard._FiguresReader.orders``) is about half of its SQL time,
and no other statement depends on it. Inside ``side_reads`` the request's transaction exports its
snapshot (``pg_export_snapshot``); ``submit`` then runs a statement in a worker thread, on that
thread's own connection, in a REPEATABLE READ transaction that imports the snapshot
(``SET TRANSACTION SNAPSHOT``). The worker sees exactly the rows the request saw when it exported
(what the drain's watermark, read before, vouches for), while the request's connection runs the
other statements: on two cores the dashboard takes about as long as its longest half.

Used only where it is sound and possible:

- on the primary: a replica in recovery cannot export a snapshot, so HQ reads routed to a replica
  keep to one connection (``HQ_DASHBOARD_SIDE_READ`` off does the same everywhere);
- outside any transaction of the caller: a second connection would not see the caller's own
  uncommitted writes (tests wrapped in a transaction, a job that writes and then reads).

Each worker thread holds one connection, kept as ``CONN_MAX_AGE`` says (closed after each read when
it is 0). Size a pooler for it: one more server connection per web process that serves the HQ
dashboard (``HQ_DASHBOARD_SIDE_THREADS`` per process at most). A side read that fails is run again
on the request's connection, so a refused connection costs time, never the answer.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

# What pg_export_snapshot returns: hexadecimal parts joined by '-' (the id is written into the
# statement, so it is checked first).
_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+$")


@dataclass(frozen=True)
class SideReads:
    alias: str
    snapshot: str
    settings_sql: str

    def submit(self, sql: str, params: dict) -> Future:
        return _pool().submit(_read, self, sql, params)


_current: ContextVar[SideReads | None] = ContextVar("hq_side_reads", default=None)
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.HQ_DASHBOARD_SIDE_THREADS, thread_name_prefix="hq-side-read"
            )
        return _executor


def available(alias: str) -> bool:
    """Side reads are sound for a dashboard read from ``alias`` that is about to open its transaction."""
    return settings.HQ_DASHBOARD_SIDE_READ and alias == DEFAULT_DB_ALIAS and not connections[alias].in_atomic_block


@contextmanager
def side_reads(cursor, *, alias: str, settings_sql: str) -> Iterator[SideReads]:
    """Within the request's transaction (``cursor`` is its cursor): ``submit`` runs statements on
    the exported snapshot, each with ``settings_sql`` first."""
    cursor.execute("SELECT pg_export_snapshot()")
    snapshot = cursor.fetchone()[0]
    if not _SNAPSHOT_ID.match(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    side = SideReads(alias=alias, snapshot=snapshot, settings_sql=settings_sql)
    token = _current.set(side)
    try:
        yield side
    finally:
        _current.reset(token)


def submit(sql: str, params: dict) -> Future | None:
    """``sql`` started on the side connection, or None outside ``side_reads`` (run it yourself)."""
    side = _current.get()
    return None if side is None else side.submit(sql, params)


def _read(side: SideReads, sql: str, params: dict) -> list[tuple]:
    connection = connections[side.alias]
    connection.close_if_unusable_or_obsolete()
    try:
        with transaction.atomic(using=side.alias), connection.cursor() as cursor:
            # Nothing before these has taken a snapshot (setting the search path does not).
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{side.snapshot}'")
            cursor.execute(side.settings_sql)
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        if not connection.settings_dict.get("CONN_MAX_AGE"):
            connection.close()


def result(future: Future, fallback) -> list[tuple]:
    """The rows of a side read; when it failed, ``fallback()`` (the statement on the request's
    connection), with the failure logged."""
    try:
        return future.result()
    except Exception:
        logger.warning("HQ dashboard side read failed; reading on the request's connection", exc_info=True)
        return fallback()
