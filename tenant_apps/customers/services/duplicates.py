"""Dual verification: within a store a normalised mobile number and each chat id identify at most
one live customer.

The writes look the identifiers up before writing (``find_duplicate``); the partial unique
constraints of ``Customer`` are the backstop when two requests race, and their violation is
answered the same way (``_duplicate_from_integrity``): 409 ``duplicate_customer`` naming the
existing customer and its owner (null while it is in the pool).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.models import User
from shared_apps.platform.errors import Conflict
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.models import Customer

# Identifiers of dual verification: the data key, the model field, its label.
IDENTIFIERS = (
    ("mobile", "mobile_normalized", gettext_lazy("mobile number")),
    ("wechat_id", "wechat_id", gettext_lazy("WeChat ID")),
    ("platform_chat_id", "platform_chat_id", gettext_lazy("platform chat ID")),
)
CONSTRAINT_FIELDS = {
    "customer_unique_mobile": "mobile",
    "customer_unique_wechat_id": "wechat_id",
    "customer_unique_platform_chat_id": "platform_chat_id",
}


def _existing(customer: Customer) -> dict[str, Any]:
    return {"id": customer.pk, "name": customer.name, "owner": customer.owner_id}


def _identifiers(customer: Customer) -> dict[str, str]:
    return {field: getattr(customer, field) for _key, field, _label in IDENTIFIERS}


def _duplicate_error(
    existing: Customer, fields: list[str], *, owners: dict[int, User] | None = None
) -> DuplicateCustomer:
    """The 409 naming ``existing`` and its owner (``owners``: the users already loaded, by id)."""
    labels = {key: label for key, _field, label in IDENTIFIERS}
    if existing.owner_id is None:
        holder = _("it is in the shared pool")
    else:
        if owners is None:
            owner = User.objects.filter(pk=existing.owner_id).only("name", "email").first()
        else:
            owner = owners.get(existing.owner_id)
        holder = _("it belongs to %(owner)s") % {"owner": (owner.name or owner.email) if owner else existing.owner_id}
    what = ", ".join(str(labels[f]) for f in fields)
    detail = _("Customer “%(name)s” (#%(id)s) already has this %(what)s; %(holder)s.") % {
        "name": existing.name,
        "id": existing.pk,
        "what": what,
        "holder": holder,
    }
    message = _("Already used by customer “%(name)s” (#%(id)s).") % {"name": existing.name, "id": existing.pk}
    return DuplicateCustomer(detail, existing=_existing(existing), errors={f: [message] for f in fields})


def find_duplicate(
    *, mobile_normalized: str = "", wechat_id: str = "", platform_chat_id: str = "", exclude_id: int | None = None
) -> tuple[Customer, list[str]] | None:
    """The live customer holding any of these identifiers, and which ones (data keys), or None."""
    values = {"mobile": mobile_normalized, "wechat_id": wechat_id, "platform_chat_id": platform_chat_id}
    condition = Q()
    for key, field, _label in IDENTIFIERS:
        if values[key]:
            condition |= Q(**{field: values[key]})
    if not condition:
        return None
    qs = Customer.objects.live().filter(condition)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    found = qs.order_by("pk").first()
    if found is None:
        return None
    fields = [key for key, field, _label in IDENTIFIERS if values[key] and getattr(found, field) == values[key]]
    return found, fields


def _check_duplicates(values: dict[str, str], *, exclude_id: int | None = None) -> None:
    found = find_duplicate(
        mobile_normalized=values.get("mobile_normalized", ""),
        wechat_id=values.get("wechat_id", ""),
        platform_chat_id=values.get("platform_chat_id", ""),
        exclude_id=exclude_id,
    )
    if found is not None:
        raise _duplicate_error(*found)


def _duplicate_from_integrity(exc: IntegrityError, values: dict[str, str], exclude_id: int | None) -> Exception:
    """Turn a violated unique constraint into the same 409 as the look-up (the row that won the
    race is committed, so it can be read now)."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint not in CONSTRAINT_FIELDS:
        return exc
    found = find_duplicate(
        mobile_normalized=values.get("mobile_normalized", ""),
        wechat_id=values.get("wechat_id", ""),
        platform_chat_id=values.get("platform_chat_id", ""),
        exclude_id=exclude_id,
    )
    if found is None:  # the other write was rolled back meanwhile: still refuse, the caller may retry
        return Conflict(_("This customer was being saved by someone else; try again."), code="duplicate_customer")
    return _duplicate_error(*found)
