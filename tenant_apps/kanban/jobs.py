"""Periodic and manual jobs of the Data Kanban."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.kanban import rollups


@job(
    name="kanban.rebuild_rollups",
    per_store=True,
    description=_("Rebuild the daily sales rollups of the Data Kanban from the orders (backfill, repair)."),
)
def rebuild_rollups(*, at: datetime) -> dict:
    with transaction.atomic():
        return {"days": rollups.rebuild()}
