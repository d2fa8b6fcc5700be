"""Beat sends the consumers' sweep only to the stores where a consumer has public events after its
cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.platform.runners import WAKE_GRACE_SECONDS
from tenant_apps.outbox import consumers
from tenant_apps.outbox.models import EventCursor, OutboxEvent
from tenant_apps.outbox.services import emit, publish
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db


def read_to_the_end(store, names=None) -> None:
    """Every consumer (or ``names``) has read every public event of ``store``."""
    with tenant_context(store):
        last = OutboxEvent.objects.exclude(type="").order_by("-txid", "-id").values_list("txid", "id").first()
        for name in names or consumers.names():
            EventCursor.objects.update_or_create(
                consumer=name, defaults={"txid": last[0] if last else 0, "position": last[1] if last else 0}
            )


def swept(*, after_seconds: float = WAKE_GRACE_SECONDS + 1) -> list[str]:
    """The stores the consumers' sweep goes to, ``after_seconds`` from now."""
    return dispatched("outbox.consume", (timezone.now() + timedelta(seconds=after_seconds)).isoformat())


def test_the_sweep_goes_only_where_a_consumer_has_unread_events(store_a, store_b):
    assert len(consumers.names()) >= 2  # webhooks and automation
    read_to_the_end(store_a)
    read_to_the_end(store_b)
    assert swept() == []

    with tenant_context(store_b):
        emit("customer.created", entity="customer", entity_id=1, data={"id": 1})
    assert swept() == [store_b.schema_name]

    first, *others = consumers.names()
    read_to_the_end(store_b, [first])
    assert swept() == [store_b.schema_name]  # the others have not read it
    read_to_the_end(store_b, others)
    assert swept() == []


def test_hq_only_facts_and_a_consumer_without_a_cursor(store_a, store_b):
    read_to_the_end(store_a)
    read_to_the_end(store_b)
    with tenant_context(store_a):
        publish(topic="customer", entity_id=5)  # no public type: no consumer reads it
    assert swept() == []

    with tenant_context(store_a):
        emit("customer.created", entity="customer", entity_id=5, data={"id": 5})
    read_to_the_end(store_a)
    with tenant_context(store_a):
        EventCursor.objects.filter(consumer=consumers.names()[0]).delete()  # never ran: reads from the start
    assert swept() == [store_a.schema_name]


def test_the_sweep_leaves_new_events_to_their_wake_up(store_a, store_b):
    read_to_the_end(store_a)
    read_to_the_end(store_b)
    with tenant_context(store_b):
        event = emit("customer.created", entity="customer", entity_id=9, data={"id": 9})
    written = event.created_at
    at = lambda seconds: dispatched("outbox.consume", (written + timedelta(seconds=seconds)).isoformat())  # noqa: E731
    assert at(WAKE_GRACE_SECONDS - 1) == []  # its consumers were woken by its commit
    assert at(WAKE_GRACE_SECONDS) == [store_b.schema_name]  # a wake-up lost: the sweep runs them
