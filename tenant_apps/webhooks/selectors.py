"""Reads of the webhooks app (store schema)."""

from __future__ import annotations

from django.db.models import Min, QuerySet
from django.utils import timezone

from shared_apps.platform import runners
from tenant_apps.webhooks.models import Delivery, Endpoint


def endpoint_list() -> QuerySet[Endpoint]:
    return Endpoint.objects.order_by("id")


def delivery_list(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first."""
    return Delivery.objects.filter(endpoint=endpoint).order_by("-id")


def backlog() -> dict:
    """Pending deliveries of active endpoints, and the age of the oldest in seconds (0: none)."""
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING, endpoint__active=True)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"pending": pending.count(), "oldest_age_seconds": max(age, 0.0)}


def due_sql(schema: str, store=None) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while an active endpoint has
    a delivery due by ``%(at)s`` (the ``webhooks_delivery_due`` index) that is a retry, or a first
    attempt waiting for longer than the wake-up grace (a first attempt's task is queued when the
    delivery is made): what ``services.sweep`` queues, as the sweep's probe in beat's dispatch."""
    deliveries, endpoints = Delivery._meta.db_table, Endpoint._meta.db_table
    grace = int(runners.WAKE_GRACE_SECONDS)
    return f"""EXISTS (
        SELECT 1 FROM {schema}.{endpoints} e
         WHERE e.active AND EXISTS (SELECT 1 FROM {schema}.{deliveries} d
                                     WHERE d.endpoint_id = e.id AND d.status = '{Delivery.Status.PENDING}'
                                       AND d.next_attempt_at <= %(at)s
                                       AND (d.attempt > 0 OR d.created_at <= %(at)s - interval '{grace} seconds')))"""
