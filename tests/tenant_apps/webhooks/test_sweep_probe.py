"""Beat sends the webhook sweep only to the stores where an active endpoint has a delivery due."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.webhooks.models import Delivery, Endpoint
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def delivery(
    store, *, next_attempt_at, status=Delivery.Status.PENDING, active=True, attempt=1, created_at=None
) -> Delivery:
    """A delivery (by default a retry: one attempt made) of a new endpoint of ``store``."""
    with tenant_context(store):
        endpoint = Endpoint.objects.create(url="https://hooks.example.com/in", events=["*"], secret="s", active=active)
        made = Delivery.objects.create(
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_type="order.created",
            body="{}",
            status=status,
            attempt=attempt,
            next_attempt_at=next_attempt_at,
        )
        Delivery.objects.filter(pk=made.pk).update(created_at=created_at or next_attempt_at - timedelta(hours=1))
        return made


def sweep_at(moment: datetime) -> list[str]:
    return dispatched("webhooks.deliver", moment.isoformat())


def test_the_sweep_goes_where_a_delivery_is_due_at_the_jobs_time(store_a, store_b):
    with tenant_context(store_a):
        Delivery.objects.all().delete()
    with tenant_context(store_b):
        Delivery.objects.all().delete()
    assert sweep_at(AT) == []

    delivery(store_b, next_attempt_at=AT + timedelta(minutes=5))  # a retry with backoff
    assert sweep_at(AT) == []
    assert sweep_at(AT + timedelta(minutes=5)) == [store_b.schema_name]


def test_deliveries_done_or_of_inactive_endpoints_are_not_due(store_a, store_b):
    with tenant_context(store_a):
        Delivery.objects.all().delete()
    with tenant_context(store_b):
        Delivery.objects.all().delete()
    delivery(store_a, next_attempt_at=AT, status=Delivery.Status.SUCCEEDED)
    delivery(store_a, next_attempt_at=AT, status=Delivery.Status.FAILED)
    delivery(store_b, next_attempt_at=AT, active=False)
    assert sweep_at(AT) == []
    delivery(store_a, next_attempt_at=AT - timedelta(seconds=1))
    assert sweep_at(AT) == [store_a.schema_name]


def test_a_first_attempt_is_left_to_its_wake_up_for_the_grace(store_a, store_b):
    from shared_apps.platform.runners import WAKE_GRACE_SECONDS

    with tenant_context(store_a):
        Delivery.objects.all().delete()
    with tenant_context(store_b):
        Delivery.objects.all().delete()
    delivery(store_a, next_attempt_at=AT, attempt=0, created_at=AT)  # made now, its task queued
    assert sweep_at(AT) == []
    assert sweep_at(AT + timedelta(seconds=WAKE_GRACE_SECONDS - 1)) == []
    assert sweep_at(AT + timedelta(seconds=WAKE_GRACE_SECONDS)) == [store_a.schema_name]
