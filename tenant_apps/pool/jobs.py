"""Periodic jobs of the shared pool (registered in shared_apps.platform.jobs). Each is idempotent:
a run may be repeated, replayed with ``--at`` or overlap with another run."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.pool import services


@job(
    name="pool.release",
    per_store=True,
    schedule=crontab(minute="*/15"),
    description=_("Return customers to the shared pool when a follow-up is overdue past the grace period or idle."),
)
def release(*, at: datetime) -> dict:
    return services.release_due_customers(at=at)


@job(
    name="pool.return_deadline",
    per_store=True,
    due=customer_selectors.return_visits_due_sql,
    schedule=crontab(minute="*/15"),
    description=_("Return claimed customers with no return visit by the deadline to the shared pool."),
)
def return_deadline(*, at: datetime) -> dict:
    return services.return_unvisited_customers(at=at)


@job(
    name="pool.release_warnings",
    per_store=True,
    schedule=crontab(minute=5),
    description=_("Warn owners before a customer returns to the shared pool (and of return visits due soon)."),
)
def release_warnings(*, at: datetime) -> dict:
    return services.send_release_warnings(at=at)
