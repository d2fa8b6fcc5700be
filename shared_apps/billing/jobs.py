"""Billing jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from shared_apps.billing import services
from shared_apps.platform.jobs import job


@job(
    name="billing.enforce_grace",
    per_store=False,
    schedule=timedelta(hours=1),
    description=_("Ended trials become past due; stores past due beyond the grace period become read-only."),
)
def enforce_grace(*, at: datetime) -> dict:
    return services.enforce_grace(at=at)
