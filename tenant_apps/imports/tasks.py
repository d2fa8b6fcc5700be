"""Celery task of imports: runs one import job in the store schema it was sent from
(tenant-schemas-celery). Takes the job id; a job already started is left alone, so a retry or a
duplicate delivery does nothing."""

from __future__ import annotations

from celery import shared_task

from tenant_apps.imports import services


@shared_task(name="imports.run", acks_late=True)
def run_import(job_id: int) -> None:
    services.import_run(job_id=job_id)
