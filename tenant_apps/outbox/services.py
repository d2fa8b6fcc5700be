"""Publishing facts for HQ. Call inside the transaction that makes the change."""

from __future__ import annotations

from collections.abc import Iterable

from tenant_apps.outbox.models import OutboxEvent

Topic = OutboxEvent.Topic


def publish(*, topic: str, entity_id: int, payload: dict | None = None) -> None:
    """Record that ``entity_id`` of ``topic`` changed; committed or rolled back with the change."""
    OutboxEvent.objects.create(topic=Topic(topic), entity_id=entity_id, payload=payload or {})


def publish_many(*, topic: str, entity_ids: Iterable[int]) -> None:
    """The same for many entities at once (imports, batch jobs)."""
    topic = Topic(topic)
    OutboxEvent.objects.bulk_create(
        [OutboxEvent(topic=topic, entity_id=entity_id) for entity_id in entity_ids], batch_size=1000
    )


def mark_drained(*, ids: Iterable[int], at) -> int:
    """Mark events as held by the HQ rollups (inside the drain's transaction)."""
    return OutboxEvent.objects.filter(pk__in=list(ids), drained_at__isnull=True).update(drained_at=at)


def purge_drained(*, before) -> int:
    """Delete events drained before ``before`` (the rollups hold them; reconciliation needs none)."""
    deleted, _ = OutboxEvent.objects.filter(drained_at__lt=before).delete()
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
