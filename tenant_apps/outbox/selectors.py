"""Reads of the outbox (store schema)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from tenant_apps.outbox.models import EventCursor, OutboxEvent


@dataclass(frozen=True)
class PendingEvent:
    id: int
    topic: str
    entity_id: int


def pending_events(*, limit: int) -> list[PendingEvent]:
    """The oldest events not yet held by the HQ rollups, in id order."""
    rows = (
        OutboxEvent.objects.filter(drained_at__isnull=True)
        .exclude(topic="")
        .order_by("id")
        .values_list("id", "topic", "entity_id")
    )
    return [PendingEvent(*row) for row in rows[:limit]]


def oldest_pending_at() -> datetime | None:
    """When the oldest event not yet held by the HQ rollups was written (None: nothing waits).

    One row read from the partial index of pending events, however long the backlog."""
    pending = OutboxEvent.objects.filter(drained_at__isnull=True).exclude(topic="").order_by("id")
    return pending.values_list("created_at", flat=True).first()


def pending_sql(schema: str) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while events wait for the
    HQ drain (a read of the partial index of pending events): the drain's probe in beat's dispatch."""
    return f"EXISTS (SELECT 1 FROM {schema}.{OutboxEvent._meta.db_table} WHERE drained_at IS NULL AND topic <> '')"


def unread_sql(schema: str, consumers: list[str], *, older_than_seconds: int = 0) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while one of ``consumers``
    has public events after its cursor, in the ``(txid, id)`` order it reads them (the
    ``outbox_typed`` index), written at least ``older_than_seconds`` before ``%(at)s``: the cursor
    consumers' probe in beat's dispatch. Events of transactions the consumers cannot read yet (see
    ``events_after``) count: the probe may send a run that finds nothing, never miss one."""
    if not consumers:
        return "FALSE"
    names = ", ".join("(" + _literal(name) + ")" for name in consumers)
    events, cursors = OutboxEvent._meta.db_table, EventCursor._meta.db_table
    old_enough = f" AND e.created_at <= %(at)s - interval '{int(older_than_seconds)} seconds'"
    return f"""EXISTS (
        SELECT 1 FROM (VALUES {names}) AS consumer(name)
          LEFT JOIN {schema}.{cursors} c ON c.consumer = consumer.name
         WHERE EXISTS (SELECT 1 FROM {schema}.{events} e WHERE e.type <> ''
                          AND (e.txid, e.id) > (coalesce(c.txid, '0'::xid8), coalesce(c.position, 0)){old_enough}))"""


def _literal(text: str) -> str:
    if not text.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"unexpected consumer name {text!r}")
    return f"'{text}'"


def backlog() -> dict:
    """How many events wait, and since when."""
    pending = OutboxEvent.objects.filter(drained_at__isnull=True).exclude(topic="")
    return {"pending": pending.count(), "oldest": oldest_pending_at()}


# The horizon of finished transactions *of this database*: the oldest transaction still running in
# it, or the snapshot's end when none is. ``pg_snapshot_xmin`` would be the oldest running anywhere
# on the server, and a long transaction in another database (another deployment sharing the
# server, a reporting job, a test run next door) cannot write here but would hold every consumer
# back. A running transaction is set aside only when ``pg_stat_activity`` shows it in another
# database (a transaction id belongs to one backend, and a backend to one database for life); one
# not found there (just ended, prepared for two-phase commit, hidden) still counts, so the horizon
# never passes a transaction of this database that could still commit rows.
HORIZON = """
    (SELECT coalesce(
        (SELECT min(running) FROM pg_snapshot_xip(snap) running
          WHERE mod(running::text::numeric, 4294967296)::bigint NOT IN (
                SELECT backend_xid::text::bigint FROM pg_stat_activity
                 WHERE backend_xid IS NOT NULL
                   AND datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database()))),
        pg_snapshot_xmax(snap))
       FROM (SELECT pg_current_snapshot() AS snap) now)
"""


@dataclass(frozen=True)
class StoreEvent:
    """A public domain event of the store, as cursor consumers read it."""

    id: int
    event_id: uuid.UUID
    type: str
    entity: str
    entity_id: int
    data: dict
    created_at: datetime


def events_after(consumer: str, *, limit: int = 500) -> list[StoreEvent]:
    """The next public events ``consumer`` has not handled, oldest first; hand the last one handled
    to ``services.advance(consumer, to_id=...)``.

    Why not simply ``id > cursor``: ids come from a sequence when the row is inserted, but
    transactions commit in another order. A transaction that took id 10 and commits after the one
    that took id 11 would be skipped by a reader that saw 11 and moved its cursor past it. So:

    - only rows of transactions that have *finished* are read: ``txid`` (the writer's transaction
      id, ``pg_current_xact_id()``) below ``HORIZON``, the oldest transaction of this database
      still running. Every transaction of this database below that horizon has committed or rolled
      back, so the set of such rows can no longer grow;
    - rows are read and the cursor is kept in ``(txid, id)`` order, not in id order: a transaction
      still running when a row was read has a txid at or above the horizon, so its rows sort after
      every row read so far, whatever ids they took. Nothing committed late is ever skipped.

    The price: an event waits until every transaction of the database older than its own has
    finished, so a long-running transaction in it (in any store's schema) delays the consumers
    (never the writers). Transactions of other databases on the same server do not. Rows without a
    public type (HQ-only facts) are not listed.
    """
    cursor_row = EventCursor.objects.filter(consumer=consumer).values_list("txid", "position").first()
    after_txid, after_id = cursor_row or (0, 0)
    table = OutboxEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, event_id, type, entity, entity_id, data, created_at FROM {table}
             WHERE type <> '' AND (txid, id) > (%s::text::xid8, %s)
               AND txid < {HORIZON}
             ORDER BY txid, id LIMIT %s
            """,
            [str(after_txid), after_id, limit],
        )
        rows = cursor.fetchall()
    return [
        StoreEvent(
            id=row[0],
            event_id=row[1],
            type=row[2],
            entity=row[3],
            entity_id=row[4],
            data=row[5] if isinstance(row[5], dict) else json.loads(row[5]),
            created_at=row[6],
        )
        for row in rows
    ]


def cursor_position(consumer: str) -> int:
    """The id of the last event ``consumer`` handled (0: none yet)."""
    return EventCursor.objects.filter(consumer=consumer).values_list("position", flat=True).first() or 0


def event_by_id(event_id) -> StoreEvent | None:
    """One public event by its event id (``webhook-id``), or None."""
    row = (
        OutboxEvent.objects.exclude(type="")
        .filter(event_id=event_id)
        .values_list("id", "event_id", "type", "entity", "entity_id", "data", "created_at")
        .first()
    )
    return StoreEvent(*row) if row else None


def waiting(consumer: str) -> bool:
    """Whether committed events after ``consumer``'s cursor are not listed yet because an older
    transaction of the database is still running (they will be once it ends)."""
    cursor_row = EventCursor.objects.filter(consumer=consumer).values_list("txid", "position").first()
    after_txid, after_id = cursor_row or (0, 0)
    table = OutboxEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {table} WHERE type <> '' AND (txid, id) > (%s::text::xid8, %s))",
            [str(after_txid), after_id],
        )
        return bool(cursor.fetchone()[0])
