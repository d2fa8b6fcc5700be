"""Periodic jobs of automation (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.automation import services


@job(
    name="automation.run_schedules",
    per_store=True,
    schedule=timedelta(minutes=15),
    description=_("Evaluate the automation rules on a schedule, the ready-made ones included (each once an hour)."),
)
def run_schedules(*, at: datetime) -> dict:
    return services.run_schedules(at=at)
