"""Celery task of handovers: runs one handover in the store schema it was sent from."""

from __future__ import annotations

from celery import shared_task

from tenant_apps.handover import services


@shared_task(name="handover.run", acks_late=True)
def run_handover(handover_id: int) -> None:
    services.handover_run(handover_id=handover_id)
