"""Celery side of the job registry (shared_apps.platform.jobs).

``platform.dispatch_job`` is what beat sends. It fixes the job's "now" once and fans out: one
``platform.run_store_job`` message per active store (for a job with a ``due`` probe, per store
where it has work), each sent with that store's schema active so
that tenant-schemas-celery runs it in that schema (retried per store; one failing store does not
stop the others), or one ``platform.run_global_job`` for a global job. The runs go to the job's
queue (``Job.queue``): batch jobs to the batch queue, the others to the default one.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django_tenants.utils import schema_context

from shared_apps.platform import jobs

logger = logging.getLogger(__name__)

RETRYABLE = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(name="platform.dispatch_job", acks_late=True)
def dispatch_job(name: str, at_iso: str | None = None) -> int:
    """Send the job's runs; returns how many messages were sent."""
    job = jobs.get_job(name)
    at = jobs.parse_at(at_iso)
    at_iso = at.isoformat()
    if not job.per_store:
        with schema_context(settings.PUBLIC_SCHEMA_NAME):
            run_global_job.apply_async((name, at_iso), queue=job.queue)
        return 1
    sent = 0
    for store in jobs.stores_due(job, jobs.active_stores(), at=at):
        with schema_context(store.schema_name):
            run_store_job.apply_async((name, at_iso), queue=job.queue)
        sent += 1
    logger.info("job %s dispatched to %d stores (at %s)", name, sent, at_iso)
    return sent


@shared_task(
    name="platform.run_store_job",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def run_store_job(name: str, at_iso: str) -> str:
    """Run a per-store job in the store schema this task was sent from."""
    run = jobs.run_in_current_store(jobs.get_job(name), at=jobs.parse_at(at_iso))
    return f"{run.store}: {run.summary}"


@shared_task(
    name="platform.run_global_job",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def run_global_job(name: str, at_iso: str) -> str:
    run = jobs.run_global(jobs.get_job(name), at=jobs.parse_at(at_iso), propagate=True)
    return run.summary
