"""Periodic and manual jobs of the Data Kanban."""

from __future__ import annotations

from datetime import date, datetime

from celery.schedules import crontab
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.kanban import rollups


@job(
    name="kanban.rebuild_rollups",
    per_store=True,
    batch=True,
    description=_("Rebuild the daily sales rollups of the Data Kanban from the orders (backfill, repair)."),
)
def rebuild_rollups(*, at: datetime) -> dict:
    with transaction.atomic():
        return {"days": rollups.rebuild()}


@job(
    name="kanban.refresh_rollups",
    per_store=True,
    schedule=crontab(minute=20),
    description=_(
        "Apply the order and payment changes waiting in the Data Kanban rollups (a Kanban read does it too)."
    ),
)
def refresh_rollups(*, at: datetime) -> dict:
    """Keeps the change log short in stores nobody looks at, and the next Kanban read fast."""
    with transaction.atomic():
        customers = rollups.ensure_customers_fresh()
        days = rollups.ensure_fresh(date.min, date.max)
    return {"days": days, "customers": customers}
