"""Periodic jobs of notifications (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.notifications import selectors, services
from tenant_apps.notifications.services.common import digest_window


def _digests_due(schema: str, store) -> str:
    return selectors.digests_due_sql(schema, window=digest_window())


@job(
    name="notifications.purge_read",
    per_store=True,
    schedule=crontab(hour=3, minute=30),
    description=_("Delete notifications read more than 90 days ago."),
)
def purge_read(*, at: datetime) -> dict:
    return {"deleted": services.purge_read(at=at)}


@job(
    name="notifications.send_digests",
    per_store=True,
    due=_digests_due,
    schedule=timedelta(minutes=1),
    description=_("Email the notification digests whose window has closed."),
)
def send_digests(*, at: datetime) -> dict:
    return {"emailed": services.send_digests(at=at)}
