"""Reads of the outbox (store schema)."""

from __future__ import annotations

from dataclasses import dataclass

from tenant_apps.outbox.models import OutboxEvent


@dataclass(frozen=True)
class PendingEvent:
    id: int
    topic: str
    entity_id: int


def pending_events(*, limit: int) -> list[PendingEvent]:
    """The oldest events not yet held by the HQ rollups, in id order."""
    rows = OutboxEvent.objects.filter(drained_at__isnull=True).order_by("id").values_list("id", "topic", "entity_id")
    return [PendingEvent(*row) for row in rows[:limit]]


def backlog() -> dict:
    """How many events wait, and since when."""
    pending = OutboxEvent.objects.filter(drained_at__isnull=True)
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    return {"pending": pending.count(), "oldest": oldest}
