"""What every part of notifications uses: the store's schema, the recipients' ids, the digest window."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection

from shared_apps.accounts.models import User


def _current_store_schema() -> str:
    schema = connection.schema_name
    if schema in (settings.PUBLIC_SCHEMA_NAME, settings.TENANT_TEMPLATE_SCHEMA):
        raise RuntimeError("notifications belong to a store: activate the store's schema first")
    return schema


def _recipient_ids(recipients: Iterable[User | int]) -> list[int]:
    ids: list[int] = []
    for recipient in recipients:
        pk = recipient if isinstance(recipient, int) else getattr(recipient, "pk", None)
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids


def digest_window() -> timedelta:
    return timedelta(minutes=settings.NOTIFICATION_DIGEST_MINUTES)
