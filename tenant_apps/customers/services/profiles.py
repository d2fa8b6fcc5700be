"""Create and edit one customer's profile, with complete validation and dual verification."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform import limits
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.customers.models import Customer, Tag
from tenant_apps.customers.serializers import customer_event_data
from tenant_apps.customers.services.common import _require, _require_works_on
from tenant_apps.customers.services.duplicates import _check_duplicates, _duplicate_from_integrity, _identifiers
from tenant_apps.customers.services.validation import _References, _validate
from tenant_apps.outbox.services import publish
from tenants.storetime import current_store


def _new_customer(
    data: dict[str, Any], *, access: StoreAccess, at: datetime, refs: _References | None = None
) -> tuple[Customer, list[Tag]]:
    """The unsaved customer ``access`` creates from ``data``, and its tags, after complete
    validation (raises ValidationFailed). Who owns it: see the package doc."""
    clean = _validate(data, access=access, creating=True, refs=refs)
    if "owner_id" in clean:
        owner_id = clean.pop("owner_id")
    else:
        owner_id = None if access.role == StoreRole.ADMIN else access.user.pk
    tags = clean.pop("tags", [])
    customer = Customer(
        **clean,
        owner_id=owner_id,
        owner_since=at if owner_id is not None else None,
        created_by_id=access.user.pk,
    )
    return customer, tags


def _live_customer_count() -> int:
    """What counts against the plan's customer limit."""
    return Customer.objects.live().count()


def customer_create(*, data: dict[str, Any], access: StoreAccess, at: datetime | None = None) -> Customer:
    """Create a customer after complete validation and dual verification (see the package doc)."""
    _require(access, "customers.create")
    at = at or timezone.now()
    customer, tags = _new_customer(data, access=access, at=at)
    identifiers = _identifiers(customer)
    _check_duplicates(identifiers)
    try:
        with transaction.atomic():
            limits.check(current_store(), limits.CUSTOMERS, adding=1, used=_live_customer_count)
            customer.save()
            if tags:
                customer.tags.set(tags)
            publish(
                topic="customer",
                entity_id=customer.pk,
                event="customer.created",
                data=customer_event_data(customer),
            )
    except IntegrityError as exc:
        raise _duplicate_from_integrity(exc, identifiers, None) from exc
    return customer


def customer_update(
    *, customer: Customer, data: dict[str, Any], access: StoreAccess, at: datetime | None = None
) -> Customer:
    """Change the given fields of a customer; the same checks as ``customer_create``.

    ``owner`` may be changed (to another salesperson or supervisor) by a supervisor or admin;
    sending a customer to the pool is a release (the pool app), not an edit.
    """
    _require(access, "customers.edit")
    _require_works_on(access, customer)
    clean = _validate(data, access=access, creating=False)
    if "owner_id" in clean and clean["owner_id"] is None:
        raise ValidationFailed(
            _("Invalid customer."), errors={"owner": [_("Release the customer to put it in the shared pool.")]}
        )
    at = at or timezone.now()
    tags = clean.pop("tags", None)
    try:
        with transaction.atomic():
            locked = Customer.objects.select_for_update(of=("self",)).filter(pk=customer.pk).first()
            if locked is None or locked.merged_into_id is not None:
                raise NotFound(_("No such customer."))
            _require_works_on(access, locked)
            changed = {k: v for k, v in clean.items() if getattr(locked, k) != v}
            identifiers = {
                k: v for k, v in changed.items() if k in ("mobile_normalized", "wechat_id", "platform_chat_id")
            }
            _check_duplicates(identifiers, exclude_id=locked.pk)
            if "owner_id" in changed:
                changed["owner_since"] = at
                changed["return_visit_deadline"] = None
            for key, value in changed.items():
                setattr(locked, key, value)
            if changed:
                locked.save(update_fields=[*changed, "updated_at"])
            tags_changed = tags is not None and {t.pk for t in locked.tags.all()} != {t.pk for t in tags}
            if tags is not None:
                locked.tags.set(tags)
            if changed or tags_changed:
                publish(
                    topic="customer" if changed else None,
                    entity_id=locked.pk,
                    event="customer.updated",
                    data=customer_event_data(locked),
                )
    except IntegrityError as exc:
        raise _duplicate_from_integrity(exc, clean, customer.pk) from exc
    customer.refresh_from_db()
    return customer


def tags_set(*, customer: Customer, names: Iterable[str], access: StoreAccess) -> Customer:
    """Replace the customer's tags by ``names`` (existing tags only)."""
    return customer_update(customer=customer, data={"tags": list(names)}, access=access)
