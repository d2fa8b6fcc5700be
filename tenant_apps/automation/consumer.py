"""The automation consumer of the store's event log: each new event is evaluated against the
event rules, then the consumer's cursor moves past it. A crash between the two hands the event
over again; the rules' run log (unique per rule and event) keeps it from firing twice."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tenant_apps.automation import services

CONSUMER = "automation"
BATCH = 500


def consume(*, at: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    from tenant_apps.outbox import selectors as outbox_selectors
    from tenant_apps.outbox import services as outbox_services

    totals = {"events": 0, "rules": 0, "fired": 0, "already": 0, "not_matched": 0, "failed": 0}
    for event in outbox_selectors.events_after(CONSUMER, limit=limit):
        with transaction.atomic():
            counts = services.handle_event(
                event_type=event.type,
                event_id=str(event.event_id),
                entity=event.entity,
                entity_id=event.entity_id,
                data=event.data,
                at=at or timezone.now(),
            )
            outbox_services.advance(CONSUMER, to_id=event.id)
        totals["events"] += 1
        for key, value in counts.items():
            totals[key] += value
    return totals
