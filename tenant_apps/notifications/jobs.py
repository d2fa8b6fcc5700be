"""Periodic jobs of notifications (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.notifications import services


@job(
    name="notifications.purge_read",
    per_store=True,
    schedule=crontab(hour=3, minute=30),
    description=_("Delete notifications read more than 90 days ago."),
)
def purge_read(*, at: datetime) -> dict:
    return {"deleted": services.purge_read(at=at)}
