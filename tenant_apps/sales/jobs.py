"""Periodic jobs of sales (registered in shared_apps.platform.jobs). Idempotent."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.sales import services


@job(
    name="quotations.expire",
    per_store=True,
    schedule=crontab(minute=10, hour=0),
    description=_("Mark quotations whose validity date has passed as expired."),
)
def expire_quotations(*, at: datetime) -> dict:
    return {"expired": services.quotations_expire(at=at)}
