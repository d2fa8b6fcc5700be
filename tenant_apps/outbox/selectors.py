"""Reads of the outbox (store schema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def oldest_pending_at() -> datetime | None:
    """When the oldest event not yet held by the HQ rollups was written (None: nothing waits).

    One row read from the partial index of pending events, however long the backlog."""
    pending = OutboxEvent.objects.filter(drained_at__isnull=True).order_by("id")
    return pending.values_list("created_at", flat=True).first()


def backlog() -> dict:
    """How many events wait, and since when."""
    pending = OutboxEvent.objects.filter(drained_at__isnull=True)
    return {"pending": pending.count(), "oldest": oldest_pending_at()}
