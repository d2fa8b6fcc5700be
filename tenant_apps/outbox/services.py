"""Writing to the store's event log. Call inside the transaction that makes the change.

``publish`` records a fact for HQ (``topic``) and/or a public domain event (``event``, with ``data``:
the object as the REST API returns it); ``emit`` is the readable entry point for domain events,
``emit_many`` its bulk form (imports). Either way one row per entity is written, committed or rolled
back with the change. After the commit of a transaction that wrote domain events, each registered
cursor consumer is woken once (``tenant_apps.outbox.consumers``); the periodic sweep
(``outbox.consume``) catches anything a lost wake-up missed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from shared_apps.platform.commits import after_commit
from tenant_apps.outbox.events import entity_of
from tenant_apps.outbox.models import EventCursor, OutboxEvent

Topic = OutboxEvent.Topic
logger = logging.getLogger(__name__)


def publish(
    *,
    topic: str | None = None,
    entity_id: int,
    payload: dict | None = None,
    event: str | None = None,
    data: dict | None = None,
    entity: str | None = None,
) -> OutboxEvent:
    """Record that ``entity_id`` changed: for HQ when ``topic`` is given, as the public event
    ``event`` ("order.created", with ``data``) when it is given; committed or rolled back with the
    change. A row with no topic is written already drained: the HQ drain never sees it."""
    if not topic and not event:
        raise ValueError("publish needs a topic, an event or both")
    row = OutboxEvent.objects.create(
        topic=Topic(topic) if topic else "",
        type=event or "",
        entity=(entity or entity_of(event)) if event else "",
        entity_id=entity_id,
        payload=payload or {},
        data=api_json(data) if data else {},
        drained_at=None if topic else timezone.now(),
    )
    if event:
        _wake_consumers_after_commit()
    return row


def api_json(data: dict) -> dict:
    """``data`` exactly as the REST API writes it (DRF's JSON: decimals as the serializer says,
    times in ISO 8601 with the offset of the store's zone)."""
    return json.loads(JSONRenderer().render(data))


def emit(event: str, *, entity: str, entity_id: int, data: dict, topic: str | None = None) -> OutboxEvent:
    """Record the public domain event ``event`` about ``entity`` ``entity_id`` with ``data`` (the
    object as the REST API returns it), and the HQ fact ``topic`` in the same row when given."""
    return publish(topic=topic, entity_id=entity_id, event=event, data=data, entity=entity)


def emit_many(event: str, *, entity: str, topic: str | None = None, data_by_id: dict[int, dict]) -> list[OutboxEvent]:
    """``emit`` for many entities at once (imports): one row per entry of ``data_by_id`` (entity id
    → the object as the REST API returns it), in that order, with the columns ``emit`` sets (and the
    HQ fact ``topic`` in each row when given), written by one bulk insert in the current
    transaction. The consumers are woken once after its commit, as for ``emit``."""
    if not data_by_id:
        return []
    drained_at = None if topic else timezone.now()
    rows = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                topic=Topic(topic) if topic else "",
                type=event,
                entity=entity,
                entity_id=entity_id,
                payload={},
                data=api_json(data) if data else {},
                drained_at=drained_at,
            )
            for entity_id, data in data_by_id.items()
        ],
        batch_size=1000,
    )
    _wake_consumers_after_commit()
    return rows


def publish_many(*, topic: str, entity_ids: Iterable[int]) -> None:
    """The same for many entities at once (imports, batch jobs): HQ facts only."""
    topic = Topic(topic)
    OutboxEvent.objects.bulk_create(
        [OutboxEvent(topic=topic, entity_id=entity_id) for entity_id in entity_ids], batch_size=1000
    )


def _wake():
    from tenant_apps.outbox import consumers

    consumers.wake()


def _once_after_commit(callback) -> None:
    """Schedule ``callback`` once per transaction (a rolled-back savepoint takes its callback with
    it, and the next event of the transaction schedules it again)."""
    key = (callback, connection.schema_name)
    if connection.in_atomic_block and any(
        getattr(registered, "key", None) == key for _sids, registered, _robust in connection.run_on_commit
    ):
        return
    after_commit(callback, robust=True)


def _wake_consumers_after_commit() -> None:
    """After the commit: the consumers run."""
    _once_after_commit(_wake)


def advance(consumer: str, *, to_id: int) -> None:
    """Move ``consumer``'s cursor to the event ``to_id`` (the last event it handled, as
    ``selectors.events_after`` listed them). The cursor never moves back; an event no longer in the
    log (deleted by retention) leaves the cursor where it is."""
    table, cursors = OutboxEvent._meta.db_table, EventCursor._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {cursors} AS c (consumer, position, txid, updated_at)
            SELECT %s, e.id, e.txid, %s FROM {table} e WHERE e.id = %s
            ON CONFLICT (consumer) DO UPDATE
               SET position = EXCLUDED.position, txid = EXCLUDED.txid, updated_at = EXCLUDED.updated_at
             WHERE (c.txid, c.position) < (EXCLUDED.txid, EXCLUDED.position)
            """,
            [consumer, timezone.now(), to_id],
        )


def purge_expired(*, before: datetime) -> dict:
    """Retention: delete events written before ``before`` that the HQ drain holds (undrained rows
    stay until the drain took them). A cursor consumer that had not read some of them skips past
    them: its cursor moves to the newest deleted row it had not read, and it is logged."""
    table, cursors = OutboxEvent._meta.db_table, EventCursor._meta.db_table
    skipped: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.consumer, count(e.id)
              FROM {cursors} c JOIN {table} e
                ON e.type <> '' AND (e.txid, e.id) > (c.txid, c.position)
               AND e.created_at < %s AND e.drained_at IS NOT NULL
             GROUP BY c.consumer
            """,
            [before],
        )
        for consumer, count in cursor.fetchall():
            skipped[consumer] = count
            cursor.execute(
                f"""
                UPDATE {cursors} c SET (txid, position, updated_at) = (
                    SELECT e.txid, e.id, %s FROM {table} e
                     WHERE e.type <> '' AND e.created_at < %s AND e.drained_at IS NOT NULL
                     ORDER BY e.txid DESC, e.id DESC LIMIT 1)
                 WHERE c.consumer = %s
                """,
                [timezone.now(), before, consumer],
            )
            logger.warning("event consumer %s skipped %d events older than the retention period", consumer, count)
        deleted, _ = OutboxEvent.objects.filter(created_at__lt=before, drained_at__isnull=False).delete()
    return {"deleted": deleted, "skipped": skipped}


def mark_drained(*, ids: Iterable[int], at) -> int:
    """Mark events as held by the HQ rollups (inside the drain's transaction)."""
    return OutboxEvent.objects.filter(pk__in=list(ids), drained_at__isnull=True).update(drained_at=at)


def purge_drained(*, before) -> int:
    """Delete HQ-only facts (no public event type) drained before ``before``: the rollups hold
    them and no cursor consumer reads them. Public events are kept for the retention period
    (``purge_expired``)."""
    deleted, _ = OutboxEvent.objects.filter(drained_at__lt=before, type="").delete()
    return deleted


def erase_payload_fields(*, topic: str, entity_ids: Iterable[int], fields: Iterable[str], placeholder: str) -> int:
    """Replace the non-empty ``fields`` of the payloads of ``topic``'s events of ``entity_ids`` with
    ``placeholder`` (personal data erasure: a free text carried in an event, such as the reason a
    lead was lost). Returns how many events changed."""
    changed = 0
    events = OutboxEvent.objects.filter(topic=Topic(topic), entity_id__in=list(entity_ids)).only("pk", "payload")
    for event in events:
        payload = dict(event.payload or {})
        erased = {name: placeholder for name in fields if payload.get(name) not in (None, "", placeholder)}
        if erased:
            OutboxEvent.objects.filter(pk=event.pk).update(payload={**payload, **erased})
            changed += 1
    return changed
