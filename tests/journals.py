"""The change journals read as a consumer reads them: the marks are taken through the published
view (``DELETE ... RETURNING``), so a second take returns only what changed in between."""

from __future__ import annotations

from django.db import connection

KEYS = {"changedday": "day", "changedcustomer": "customer_id"}


def take(view: str) -> set:
    """Take every mark of a journal view (``sales_reporting_changedday``...): its days or customers."""
    key = KEYS[view.rsplit("_", 1)[1]]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {view} RETURNING {key}")
        return {row[0] for row in cursor.fetchall()}


def take_all(*views: str) -> dict[str, set]:
    return {view: take(view) for view in views}
