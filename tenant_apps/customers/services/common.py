"""What every customer write uses: the caller's access and rights, mobile numbers and times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import phonenumbers
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import Scope, StoreRole
from shared_apps.platform.errors import NotFound, PermissionDenied, ValidationFailed
from tenant_apps.customers.models import Customer
from tenant_apps.customers.selectors import can_see_customer
from tenants.storetime import store_zone

DEFAULT_REGION = "CN"
MOBILE_MAX_LENGTH = 32
# Roles that hold customers.
OWNER_ROLES = (StoreRole.SALESPERSON, StoreRole.SUPERVISOR)


# --- the caller's rights ------------------------------------------------------------------------


def _require(access: StoreAccess, permission: str) -> None:
    if not access.can(permission):
        raise PermissionDenied()


def works_on(*, access: StoreAccess, customer: Customer) -> bool:
    """May ``access`` edit the customer and record follow-ups on it (permission codes aside)?"""
    if access.read_only:
        return False
    if access.scope == Scope.OWN:
        return customer.owner_id is not None and customer.owner_id == access.user.pk
    if customer.owner_id is None:
        return True
    return can_see_customer(access=access, customer=customer)


def _require_works_on(access: StoreAccess, customer: Customer) -> None:
    if not can_see_customer(access=access, customer=customer):
        raise NotFound(_("No such customer."))
    if not works_on(access=access, customer=customer):
        if customer.owner_id is None:
            raise PermissionDenied(_("This customer is in the shared pool: claim it first."))
        raise PermissionDenied(_("Only the owner, their supervisor or an admin may do this."))


# --- normalisation ----------------------------------------------------------------------------


def normalize_mobile(raw: str | None, *, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of a phone number (``+86 138-0013-8000`` and ``13800138000`` both give
    ``+8613800138000``); "" for a blank value. Numbers without a country code are read as
    Chinese; foreign numbers need their ``+`` prefix. Raises ValidationFailed for an invalid one."""
    text = str(raw or "").strip()
    if not text:
        return ""
    invalid = ValidationFailed(
        _("Invalid mobile number."), errors={"mobile": [_("Enter a valid mobile number, such as 13800138000.")]}
    )
    if len(text) > MOBILE_MAX_LENGTH:
        raise invalid
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise invalid from None
    if not phonenumbers.is_valid_number(number):
        raise invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_mobile(value: Any, *, clean: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Check a mobile number given in a form or API body: text or nothing (null, "" for none).

    A good one puts ``mobile`` (as typed, trimmed) and ``mobile_normalized`` (E.164, "" for none)
    in ``clean``; a bad one puts its message under ``errors["mobile"]`` and nothing in ``clean``.
    """
    if value is not None and not isinstance(value, str):
        errors["mobile"] = [_("Text is expected.")]
        return
    try:
        clean["mobile_normalized"] = normalize_mobile(value)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return
    clean["mobile"] = (value or "").strip()


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value).strip()) if value not in (None, "") else None
        if parsed is None:
            raise ValueError
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, store_zone())
    return parsed
