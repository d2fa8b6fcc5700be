"""Periodic jobs of customers (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.customers import selectors, services


@job(
    name="customers.follow_up_reminders",
    per_store=True,
    due=selectors.reminders_due_sql,
    schedule=crontab(minute="*/15"),
    description=_("Remind owners of the follow-ups that fell due (once per follow-up)."),
)
def follow_up_reminders(*, at: datetime) -> dict:
    return {"reminded": services.follow_up_reminders_send(at=at)}
