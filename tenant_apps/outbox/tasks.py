"""Celery task of the event log: run one cursor consumer in the store schema it was sent from
(tenant-schemas-celery)."""

from __future__ import annotations

from celery import shared_task

from tenant_apps.outbox import consumers


@shared_task(name="outbox.run_consumer", acks_late=True)
def run_consumer(name: str) -> None:
    consumers.run(name)
