"""Periodic job of webhooks: queue the endpoints with deliveries due (retries, and whatever a lost
task or a dead worker left)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.webhooks import selectors, services


@job(
    name="webhooks.deliver",
    per_store=True,
    due=selectors.due_sql,
    schedule=timedelta(seconds=10),
    description=_("Queue the webhook deliveries that are due (retries with backoff)."),
)
def deliver(*, at: datetime) -> dict:
    return services.sweep()
