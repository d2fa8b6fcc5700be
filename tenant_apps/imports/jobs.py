"""Periodic jobs of imports (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.imports import selectors, services


def _stale(schema: str, store) -> str:
    return selectors.stale_sql(schema, stale_after=services.STALE_AFTER)


@job(
    name="imports.redispatch_stale",
    per_store=True,
    due=_stale,
    schedule=timedelta(minutes=5),
    description=_("Send again the imports a dead worker left running, or whose task was lost"),
)
def redispatch_stale(*, at):
    return services.redispatch_stale(at=at)
