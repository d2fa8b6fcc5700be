"""Periodic jobs of finance (registered in shared_apps.platform.jobs). Each is idempotent: a run
may be repeated, replayed with ``--at`` or overlap with another run."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.finance import services


@job(
    name="finance.receivable_reminders",
    per_store=True,
    schedule=crontab(minute=0, hour=9),
    description=_(
        "Remind owners and finance, once a day, of credit orders past their due date with money outstanding."
    ),
)
def receivable_reminders(*, at: datetime) -> dict:
    return services.send_receivable_reminders(at=at)
