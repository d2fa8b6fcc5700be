"""Periodic job of handovers: a handover whose task was lost or whose worker died is sent again
(safe: a run in progress holds the handover's lock, and a finished one is left as it is)."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.handover import selectors, services


def _stale(schema: str, store) -> str:
    return selectors.stale_sql(schema, stale_after=services.STALE_AFTER)


@job(
    name="handover.redispatch_stale",
    per_store=True,
    due=_stale,
    schedule=crontab(minute="*/5"),
    description=_("Send again the handovers left waiting or running for too long."),
)
def redispatch_stale(*, at: datetime) -> dict:
    return services.redispatch_stale(at=at)
