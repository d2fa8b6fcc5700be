"""Customers changing hands in bulk (a handover, checked by its caller)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tenant_apps.customers.models import Customer
from tenant_apps.outbox.services import publish_many


def customers_give_to(*, customer_ids: Iterable[int], owner_id: int, at: datetime) -> list[tuple[int, int | None]]:
    """Give live customers to ``owner_id`` in one statement (a handover; the caller checked who
    may do it and that the owner is an active member). Returns ``[(customer id, former owner)]``
    of the customers that changed hands, their rows locked until the transaction ends."""
    ids = sorted(set(customer_ids))
    rows = list(
        Customer.objects.live()
        .filter(pk__in=ids)
        .exclude(owner_id=owner_id)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "owner_id")
    )
    changed = [pk for pk, _owner in rows]
    Customer.objects.filter(pk__in=changed).update(
        owner_id=owner_id, owner_since=at, return_visit_deadline=None, reminded_for=None, release_warned_for=None
    )
    publish_many(topic="customer", entity_ids=changed)
    return rows
