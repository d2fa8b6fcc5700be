"""Customers handed to the pool in bulk (a handover)."""

from __future__ import annotations

from datetime import datetime

from tenant_apps.customers.models import Customer
from tenant_apps.customers.serializers import customer_event_data
from tenant_apps.outbox.services import emit, publish_many
from tenant_apps.pool.models import Release

# --- handover to the pool -------------------------------------------------------------------------


def release_many(*, customer_ids, by, reason: str, at: datetime) -> list[tuple[int, int]]:
    """Put owned customers back into the pool in a few statements (a handover to the pool), each
    release recorded like a manual one by ``by``. Returns ``[(customer id, former owner)]``."""
    ids = sorted(set(customer_ids))
    rows = list(
        Customer.objects.live()
        .filter(pk__in=ids, owner__isnull=False)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "owner_id")
    )
    releases = Release.objects.bulk_create(
        [
            Release(customer_id=pk, former_owner_id=owner_id, cause=Release.Cause.MANUAL, reason=reason, by=by, at=at)
            for pk, owner_id in rows
        ],
        batch_size=2000,
    )
    Customer.objects.filter(pk__in=[pk for pk, _owner in rows]).update(
        owner=None,
        owner_since=None,
        return_visit_deadline=None,
        released_at=at,
        next_follow_up_at=None,
        reminded_for=None,
        release_warned_for=None,
    )
    publish_many(topic="release", entity_ids=[release.pk for release in releases])
    for released in Customer.objects.filter(pk__in=[pk for pk, _owner in rows]).order_by("pk"):
        emit("customer.released", entity="customer", entity_id=released.pk, data=customer_event_data(released))
    return rows
