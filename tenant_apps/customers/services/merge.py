"""Merging two records of one person into one, keeping everything of both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import Conflict, NotFound, ValidationFailed
from tenant_apps.customers.error_codes import CustomerErrorCode
from tenant_apps.customers.models import Customer, CustomerMerge, FollowUp
from tenant_apps.customers.panels import merge_handlers
from tenant_apps.customers.selectors import can_see_customer
from tenant_apps.customers.serializers import customer_event_data
from tenant_apps.customers.services.common import _require
from tenant_apps.outbox.services import publish

# Profile fields the survivor takes from the merged record when its own are empty.
MERGE_FILL_FIELDS = (
    "company",
    "mobile",
    "mobile_normalized",
    "wechat_id",
    "platform_chat_id",
    "channel_id",
    "province",
    "city",
    "address",
    "intention_level",
    "intention_note",
)
SNAPSHOT_FIELDS = (
    "name",
    *MERGE_FILL_FIELDS,
    "grade",
    "product_preferences",
    "owner_id",
    "owner_since",
    "return_visit_deadline",
    "released_at",
    "next_follow_up_at",
    "last_follow_up_at",
    "created_by_id",
    "created_at",
)


def customer_merge(*, survivor: Customer, merged: Customer, access: StoreAccess) -> CustomerMerge:
    """Merge ``merged`` into ``survivor`` (two records of one person), keeping everything of both.

    ``merged`` stays as a pointer (``merged_into``), out of lists and out of the unique
    constraints, so its mobile number and chat ids can pass to the survivor where the survivor has
    none. Follow-ups, pool releases and claims, and the rows of every module registered with
    ``panels.register_merge_handler`` move to the survivor; tags are united; the survivor keeps its
    own values and fills its empty ones from ``merged``. The merge is recorded with a snapshot of
    the merged record.
    """
    _require(access, "customers.merge")
    if survivor.pk == merged.pk:
        raise ValidationFailed(_("Invalid merge."), errors={"merged": [_("A record cannot be merged into itself.")]})
    with transaction.atomic():
        keeper, gone = _lock_pair(access, survivor=survivor, merged=merged)
        snapshot = _snapshot(gone)
        # Free the merged record's identifiers first: it leaves the unique constraints.
        gone.merged_into = keeper
        gone.save(update_fields=["merged_into", "updated_at"])
        Customer.objects.filter(merged_into_id=gone.pk).update(merged_into_id=keeper.pk)
        _fill_survivor(keeper, gone)
        snapshot["moved"] = _move_records(keeper, gone)
        record = CustomerMerge.objects.create(survivor=keeper, merged=gone, by_id=access.user.pk, snapshot=snapshot)
        publish(topic="customer", entity_id=gone.pk)
        publish(
            topic="customer",
            entity_id=keeper.pk,
            event="customer.merged",
            data={**customer_event_data(keeper), "merged": gone.pk},
        )
    survivor.refresh_from_db()
    merged.refresh_from_db()
    return record


def _lock_pair(access: StoreAccess, *, survivor: Customer, merged: Customer) -> tuple[Customer, Customer]:
    """Both records locked (in id order), once checked that ``access`` sees them and that neither
    was merged already."""
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update(of=("self",)).filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")
    }
    keeper, gone = locked.get(survivor.pk), locked.get(merged.pk)
    if keeper is None or gone is None:
        raise NotFound(_("No such customer."))
    for customer in (keeper, gone):
        if not can_see_customer(access=access, customer=customer):
            raise NotFound(_("No such customer."))
    for field, customer in (("survivor", keeper), ("merged", gone)):
        if customer.merged_into_id is not None:
            raise Conflict(
                _("Customer #%(id)s was already merged into #%(into)s.")
                % {"id": customer.pk, "into": customer.merged_into_id},
                code=CustomerErrorCode.CUSTOMER_MERGED,
                errors={field: [_("Already merged.")]},
            )
    return keeper, gone


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _snapshot(gone: Customer) -> dict[str, Any]:
    """The merged record as it was, for the merge's record."""
    snapshot: dict[str, Any] = {f: _jsonable(getattr(gone, f)) for f in SNAPSHOT_FIELDS}
    snapshot["tags"] = sorted(gone.tags.values_list("name", flat=True))
    return snapshot


def _fill_survivor(keeper: Customer, gone: Customer) -> None:
    """Save into the survivor what it takes from the merged record: its empty profile fields,
    product preferences it lacks, the owner when it has none, the latest last and the earliest
    next follow-up."""
    changed = [
        *_fill_empty_fields(keeper, gone),
        *_unite_preferences(keeper, gone),
        *_take_owner(keeper, gone),
        *_take_follow_up_dates(keeper, gone),
    ]
    if changed:
        keeper.save(update_fields=[*dict.fromkeys(changed), "updated_at"])


def _fill_empty_fields(keeper: Customer, gone: Customer) -> list[str]:
    changed: list[str] = []
    for field in MERGE_FILL_FIELDS:
        if field == "mobile_normalized":
            continue
        if not getattr(keeper, field) and getattr(gone, field):
            setattr(keeper, field, getattr(gone, field))
            changed.append(field)
            if field == "mobile":
                keeper.mobile_normalized = gone.mobile_normalized
                changed.append("mobile_normalized")
    return changed


def _unite_preferences(keeper: Customer, gone: Customer) -> list[str]:
    prefs = list(keeper.product_preferences or [])
    for item in gone.product_preferences or []:
        if item not in prefs:
            prefs.append(item)
    if prefs == list(keeper.product_preferences or []):
        return []
    keeper.product_preferences = prefs
    return ["product_preferences"]


def _take_owner(keeper: Customer, gone: Customer) -> list[str]:
    if keeper.owner_id is not None or gone.owner_id is None:
        return []
    keeper.owner_id = gone.owner_id
    keeper.owner_since = gone.owner_since
    keeper.return_visit_deadline = gone.return_visit_deadline
    keeper.released_at = None
    return ["owner_id", "owner_since", "return_visit_deadline", "released_at"]


def _take_follow_up_dates(keeper: Customer, gone: Customer) -> list[str]:
    changed: list[str] = []
    if gone.last_follow_up_at and (
        keeper.last_follow_up_at is None or gone.last_follow_up_at > keeper.last_follow_up_at
    ):
        keeper.last_follow_up_at = gone.last_follow_up_at
        changed.append("last_follow_up_at")
    if gone.next_follow_up_at and (
        keeper.next_follow_up_at is None or gone.next_follow_up_at < keeper.next_follow_up_at
    ):
        keeper.next_follow_up_at = gone.next_follow_up_at
        keeper.reminded_for = gone.reminded_for
        changed += ["next_follow_up_at", "reminded_for"]
    return changed


def _move_records(keeper: Customer, gone: Customer) -> dict[str, Any]:
    """Move the merged record's follow-ups, tags, pool records and every registered module's rows
    to the survivor; what moved, by kind."""
    moved_follow_ups = list(FollowUp.objects.filter(customer_id=gone.pk).values_list("pk", flat=True))
    FollowUp.objects.filter(pk__in=moved_follow_ups).update(customer_id=keeper.pk)
    keeper.tags.add(*gone.tags.all())
    moved: dict[str, Any] = {"follow_ups": moved_follow_ups}
    for key, handler in merge_handlers():
        note = handler(survivor=keeper, merged=gone)
        if note is not None:
            moved[key] = note
    return moved
