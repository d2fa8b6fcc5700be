"""HQ reads on a streaming replica (``DATABASE_REPLICA_URL``), everything else on the primary.

The HQ dashboard and HQ insights read only public tables that the drain and the nightly jobs
write (facts, day rollups, ``StoreFeed``, published scores). Inside ``hq_reads()`` the router
sends the ORM's reads to the ``replica`` alias and ``read_connection()`` gives raw SQL the same
connection; writes, and every read outside ``hq_reads()``, stay on the primary. Without
``DATABASE_REPLICA_URL`` there is no ``replica`` alias and everything runs on the primary. The
database cache (``CACHES`` without ``CACHE_URL``) always reads and writes the primary.

Lag: the facts and the drain's watermark (``StoreFeed``) arrive on the replica together, in the
drain's own transactions, so an "as of" computed from the replica's ``StoreFeed`` covers exactly
what the replica holds; ``replica_state()`` says how far behind the primary the replica is.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

REPLICA = "replica"
# The app label of the model Django's database cache routes its queries by (django.core.cache.backends.db).
CACHE_APP_LABEL = "django_cache"

_hq_reads: ContextVar[bool] = ContextVar("hq_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def hq_reads():
    """HQ reads inside this block go to the replica when one is configured."""
    token = _hq_reads.set(True)
    try:
        yield
    finally:
        _hq_reads.reset(token)


def read_alias() -> str:
    return REPLICA if _hq_reads.get() and replica_configured() else DEFAULT_DB_ALIAS


def read_connection():
    return connections[read_alias()]


def replica_state(alias: str) -> dict | None:
    """On a replica: ``{"replayed_at", "lag_seconds"}`` (0 when everything received is replayed;
    otherwise the age of the last replayed commit). None on a primary."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(),
                   CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                        ELSE greatest(0, extract(epoch FROM %s - pg_last_xact_replay_timestamp())) END
            """,
            [timezone.now()],
        )
        in_recovery, replayed_at, lag = cursor.fetchone()
    if not in_recovery:
        return None
    return {"replayed_at": replayed_at, "lag_seconds": float(round(lag or 0, 3))}


class ReplicaRouter:
    """Reads inside ``hq_reads()`` → the replica; never a write there, never a migration."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label == CACHE_APP_LABEL:
            # The database cache (rate limits, throttles) is read where it is written: a counter
            # read on a lagging replica would let requests over the limit through.
            return DEFAULT_DB_ALIAS
        return REPLICA if _hq_reads.get() and replica_configured() else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
