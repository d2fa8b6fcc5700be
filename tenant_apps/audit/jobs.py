"""Periodic jobs of the action log (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.audit import services


@job(
    name="audit.purge",
    per_store=True,
    schedule=crontab(hour=4, minute=10),
    description=_("Delete action-log entries and sign-ins older than the retention (AUDIT_RETENTION_DAYS)."),
)
def purge(*, at: datetime) -> dict:
    return services.purge(at=at)
