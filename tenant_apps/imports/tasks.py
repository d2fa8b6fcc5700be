"""Celery task of imports: runs one import job in the store schema it was sent from
(tenant-schemas-celery). Takes the job id. The task is acknowledged late: when the worker running
it dies, the broker delivers it again and the job resumes after its last committed batch. Any
other delivery of a job already started does nothing, unless the job made no progress for
``services.STALE_AFTER`` (then it is resumed as well)."""

from __future__ import annotations

from celery import shared_task

from tenant_apps.imports import services


@shared_task(name="imports.run", acks_late=True, bind=True)
def run_import(self, job_id: int) -> None:
    delivery_info = self.request.delivery_info or {}
    services.import_run(job_id=job_id, redelivered=bool(delivery_info.get("redelivered")))
