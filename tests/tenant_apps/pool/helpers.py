"""Helpers of the pool tests: customers made directly in the active store schema."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

_names = itertools.count(1)


def make_customer(
    *,
    owner=None,
    grade: str = "C",
    name: str | None = None,
    created_at: datetime | None = None,
    owner_since: datetime | None = None,
    **fields,
):
    """A live customer in the ACTIVE store schema (use inside ``with in_store(store):``)."""
    from tenant_apps.customers.models import Customer

    now = timezone.now()
    customer = Customer.objects.create(
        name=name or f"Customer {next(_names)}",
        grade=grade,
        owner=owner,
        owner_since=owner_since if owner_since is not None else (now if owner is not None else None),
        **fields,
    )
    if created_at is not None:
        Customer.objects.filter(pk=customer.pk).update(created_at=created_at)
        customer.created_at = created_at
    return customer


def notifications_of(user, kind: str | None = None):
    from tenant_apps.notifications.models import Notification

    qs = Notification.objects.filter(recipient_id=user.pk)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("created_at", "id"))
