"""The webhook backlog per store, as Prometheus reads it from the metrics endpoint at scrape time:
deliveries not yet made (new and retrying) of the store's active endpoints, and the oldest one's age."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tenant_apps.webhooks.models import Delivery, Endpoint
from tests.shared_apps.platform.test_observability import TOKEN, sample

pytestmark = pytest.mark.django_db


def _delivery(endpoint: Endpoint, *, status: str, attempt: int = 0, next_in: timedelta | None = None) -> Delivery:
    return Delivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_type="order.created",
        entity="order",
        entity_id=1,
        body="{}",
        attempt=attempt,
        status=status,
        next_attempt_at=timezone.now() + next_in if next_in is not None else None,
    )


def _scrape() -> str:
    response = Client().get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_the_backlog_counts_new_and_retrying_deliveries_of_one_store_and_none_of_the_other(
    settings, store_a, store_b, in_store, time_machine
):
    settings.METRICS_TOKEN = TOKEN
    time_machine.move_to("2026-11-02T09:00:00+08:00", tick=False)
    with in_store(store_a):
        hook = Endpoint.objects.create(url="https://hooks.example.com/a", events=["*"], secret="whsec_a")
        _delivery(hook, status=Delivery.Status.PENDING, next_in=timedelta(0))  # not tried yet
        time_machine.move_to("2026-11-02T09:01:00+08:00", tick=False)
        _delivery(hook, status=Delivery.Status.PENDING, attempt=3, next_in=timedelta(minutes=5))  # retrying
        _delivery(hook, status=Delivery.Status.SUCCEEDED, attempt=1)
        _delivery(hook, status=Delivery.Status.FAILED, attempt=12)
        # An endpoint switched off (after 3 days of failures) sends nothing until switched on again.
        off = Endpoint.objects.create(url="https://hooks.example.com/off", events=["*"], secret="whsec_o", active=False)
        _delivery(off, status=Delivery.Status.PENDING, attempt=40, next_in=timedelta(hours=1))
    with in_store(store_b):
        quiet = Endpoint.objects.create(url="https://hooks.example.com/b", events=["*"], secret="whsec_b")
        _delivery(quiet, status=Delivery.Status.SUCCEEDED, attempt=1)
        _delivery(quiet, status=Delivery.Status.FAILED, attempt=12)
    connection.set_schema_to_public()
    time_machine.move_to("2026-11-02T09:03:30+08:00", tick=False)

    body = _scrape()

    assert sample(body, "crm_webhook_backlog", store="alpha") == 2
    assert sample(body, "crm_webhook_backlog", store="bravo") == 0
    assert sample(body, "crm_webhook_oldest_pending_seconds", store="alpha") == 210
    assert sample(body, "crm_webhook_oldest_pending_seconds", store="bravo") == 0


def test_the_backlog_falls_when_a_delivery_is_made(settings, store_a, in_store):
    settings.METRICS_TOKEN = TOKEN
    with in_store(store_a):
        hook = Endpoint.objects.create(url="https://hooks.example.com/a", events=["*"], secret="whsec_a")
        first = _delivery(hook, status=Delivery.Status.PENDING)
        _delivery(hook, status=Delivery.Status.PENDING)
    connection.set_schema_to_public()
    assert sample(_scrape(), "crm_webhook_backlog", store="alpha") == 2

    with in_store(store_a):
        Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SUCCEEDED, attempt=1)
    connection.set_schema_to_public()

    assert sample(_scrape(), "crm_webhook_backlog", store="alpha") == 1


def test_the_gauge_has_one_series_per_store_and_no_other_label(settings, store_a, store_b):
    settings.METRICS_TOKEN = TOKEN
    lines = [line for line in _scrape().splitlines() if line.startswith("crm_webhook_backlog{")]
    labels = [line.split("{", 1)[1].split("}", 1)[0] for line in lines]
    assert {'store="alpha"', 'store="bravo"'} <= set(labels)
    assert len(labels) == len(set(labels))
    assert all(label.count("=") == 1 and label.startswith("store=") for label in labels)
