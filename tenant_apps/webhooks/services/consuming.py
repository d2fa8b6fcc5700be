"""From the store's events to deliveries: the event log's consumer ``webhooks``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tenant_apps.outbox import selectors as events
from tenant_apps.outbox import services as outbox
from tenant_apps.webhooks.models import Delivery, Endpoint
from tenant_apps.webhooks.services.common import CONSUMER, TEST_EVENT, _after_commit_deliver, body_for


def consume(*, batch_size: int = 500) -> dict:
    """The event log consumer ``webhooks``: a delivery per event and subscribed endpoint."""
    made = read = 0
    touched: set[int] = set()
    while True:
        with transaction.atomic():
            batch = events.events_after(CONSUMER, limit=batch_size)
            if not batch:
                break
            made += len(deliveries_for(batch, touched=touched))
            outbox.advance(CONSUMER, to_id=batch[-1].id)
            read += len(batch)
        if len(batch) < batch_size:
            break
    if touched:
        _after_commit_deliver(touched)
    return {"events": read, "deliveries": made}


def deliveries_for(batch: list[events.StoreEvent], *, touched: set[int] | None = None) -> list[Delivery]:
    """Write a delivery of each event to every active endpoint that wants it (and existed when the
    event happened); an event already written for an endpoint is skipped (unique constraint)."""
    endpoints = list(Endpoint.objects.filter(active=True))
    rows = []
    # Ids follow the order in which changes to one entity committed (row locks serialise them).
    for event in sorted(batch, key=lambda e: e.id):
        if event.type == TEST_EVENT:
            continue  # sent to its one endpoint directly (``send_test``)
        wanting = [ep for ep in endpoints if ep.wants(event.type) and ep.created_at <= event.created_at]
        if not wanting:
            continue
        body = body_for(event_id=event.event_id, event_type=event.type, created_at=event.created_at, data=event.data)
        for endpoint in wanting:
            rows.append(
                Delivery(
                    endpoint=endpoint,
                    event_id=event.event_id,
                    event_type=event.type,
                    entity=event.entity,
                    entity_id=event.entity_id,
                    body=body,
                    next_attempt_at=timezone.now(),
                )
            )
            if touched is not None:
                touched.add(endpoint.pk)
    return Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
