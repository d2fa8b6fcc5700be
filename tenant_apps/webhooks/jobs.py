"""Periodic job of webhooks: queue the endpoints with deliveries due (retries, and whatever a lost
task or a dead worker left)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.webhooks import services


@job(
    name="webhooks.deliver",
    per_store=True,
    schedule=timedelta(seconds=10),
    description=_("Queue the webhook deliveries that are due (retries with backoff)."),
)
def deliver(*, at: datetime) -> dict:
    return services.sweep()
