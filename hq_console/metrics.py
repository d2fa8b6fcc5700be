"""Gauges read at scrape time: each store's outbox lag and backlog (events not yet in the HQ
facts), the gauges store apps declare per store (``register_store_gauge``: a webhooks app declares
its backlog of deliveries, ``crm_webhook_backlog``, there), and the broker's queue depth."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django_tenants.utils import schema_context
from prometheus_client.core import GaugeMetricFamily

from tenant_apps.outbox import selectors as outbox_selectors
from tenants.models import Store


def outbox_gauges() -> Iterable[GaugeMetricFamily]:
    lag = GaugeMetricFamily(
        "crm_outbox_lag_seconds", "Age of the oldest outbox event not yet drained into the HQ facts", labels=["store"]
    )
    backlog = GaugeMetricFamily(
        "crm_outbox_backlog", "Outbox events not yet drained into the HQ facts", labels=["store"]
    )
    now = timezone.now()
    for store in Store.objects.active().order_by("subdomain"):
        with schema_context(store.schema_name):
            pending = outbox_selectors.backlog()
        oldest = pending["oldest"]
        lag.add_metric([store.subdomain], (now - oldest).total_seconds() if oldest else 0.0)
        backlog.add_metric([store.subdomain], pending["pending"])
    yield lag
    yield backlog


def store_gauges() -> Iterable[GaugeMetricFamily]:
    """Every declared per-store gauge, read in each active store's schema (one pass over the stores)."""
    from shared_apps.platform.observability import store_gauges as declared

    gauges = declared()
    if not gauges:
        return
    families = {g.name: GaugeMetricFamily(g.name, g.documentation, labels=["store"]) for g in gauges}
    for store in Store.objects.active().order_by("subdomain"):
        with schema_context(store.schema_name):
            for gauge in gauges:
                families[gauge.name].add_metric([store.subdomain], float(gauge.read()))
    yield from families.values()


def queue_gauges() -> Iterable[GaugeMetricFamily]:
    from celery import current_app

    depth = GaugeMetricFamily("crm_queue_depth", "Messages waiting in the broker's queue", labels=["queue"])
    queue = current_app.conf.task_default_queue or "celery"
    with current_app.connection_for_read() as conn:
        declared = conn.default_channel.queue_declare(queue=queue, passive=True)
        depth.add_metric([queue], declared.message_count)
    yield depth


def register() -> None:
    from shared_apps.platform.observability import register_collector

    register_collector(outbox_gauges)
    register_collector(store_gauges)
    register_collector(queue_gauges)
