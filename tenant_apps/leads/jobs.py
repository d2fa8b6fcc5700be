"""Periodic jobs of leads (registered in shared_apps.platform.jobs); each idempotent and safe to
overlap with another run."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.leads import selectors, services


@job(
    name="leads.reassign_unanswered",
    per_store=True,
    due=selectors.unanswered_sql,
    schedule=crontab(minute="*"),
    description=_("Re-assign new leads not contacted within the first-response time, and tell the supervisor."),
)
def reassign_unanswered(*, at: datetime) -> dict:
    return services.reassign_unanswered(at=at)


@job(
    name="leads.distribute_queue",
    per_store=True,
    due=selectors.waiting_sql,
    schedule=crontab(minute="*/5"),
    description=_("Give waiting leads to salespeople who have room again."),
)
def distribute_queue(*, at: datetime) -> dict:
    return services.distribute_queue(at=at)
