"""Fixtures of the webhooks tests: store A active, a local receiver, events as the log lists them."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.utils import timezone

from bench.webhook_receiver import Receiver
from tenant_apps.outbox.selectors import StoreEvent

_ids = itertools.count(1)


@pytest.fixture
def a(store_a, in_store):
    with in_store(store_a):
        yield store_a


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def event(event_type: str = "order.created", *, entity_id: int = 1, data: dict | None = None) -> StoreEvent:
    """An event as ``events_after`` would list it (a test's own rows are not listed before it commits)."""
    n = next(_ids)
    return StoreEvent(
        id=n,
        event_id=uuid.uuid4(),
        type=event_type,
        entity=event_type.split(".")[0],
        entity_id=entity_id,
        data=data or {"id": entity_id, "n": n},
        created_at=timezone.now(),
    )
