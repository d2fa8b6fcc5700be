"""The action log's part of a person's data (shared_apps.platform.personal_data): what was
recorded about their customer records (the values themselves are anonymised by the erasure
through ``services.anonymise``, for each field the other apps anonymise)."""

from __future__ import annotations

from shared_apps.platform import personal_data
from tenant_apps.audit import selectors


def _export(customer_ids: tuple[int, ...]) -> dict:
    return {"entries": selectors.entries_of(object_type="customers.customer", object_ids=customer_ids)}


def register() -> None:
    personal_data.register("action_log", exporter=_export)
