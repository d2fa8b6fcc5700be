"""A member's choices: email per kind, the SMS number and the SMS opt-out."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.notifications import kinds
from tenant_apps.notifications.models import MessagingProfile, NotificationPreference


def preferences_get(*, access: StoreAccess) -> dict[str, Any]:
    """The member's choices: every declared kind with its email setting, the SMS number and opt-out."""
    user = access.user
    chosen = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "email"))
    profile = MessagingProfile.objects.filter(user_id=user.pk).first()
    return {
        "kinds": [
            {"kind": kind.key, "label": str(kind.label), "email": chosen.get(kind.key, kind.email), "in_app": True}
            for kind in kinds.KINDS
        ],
        "mobile": profile.mobile if profile else "",
        "sms_opt_out": profile.sms_opt_out if profile else False,
    }


def preferences_update(
    *, access: StoreAccess, email: dict[str, Any] | None = None, mobile: Any = None, sms_opt_out: Any = None
) -> dict[str, Any]:
    """Set the member's email choice per kind, SMS number and opt-out; all checked before any write."""
    user = access.user
    errors: dict[str, list[str]] = {}
    email = email or {}
    if not isinstance(email, dict):
        errors["email"] = [_("Give an object of kind: true or false.")]
        email = {}
    unknown = [key for key in email if kinds.get(key) is None]
    if unknown:
        errors["email"] = [_("Unknown kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(map(str, unknown)))}]
    if any(not isinstance(value, bool) for value in email.values()):
        errors.setdefault("email", []).append(_("Each kind takes true or false."))
    normalized = None
    if mobile is not None:
        normalized = _normalize_mobile(mobile, errors)
    if sms_opt_out is not None and not isinstance(sms_opt_out, bool):
        errors["sms_opt_out"] = [_("Give true or false.")]
    if errors:
        raise ValidationFailed(_("Invalid preferences."), errors=errors)
    with transaction.atomic():
        for key, value in email.items():
            NotificationPreference.objects.update_or_create(user_id=user.pk, kind=key, defaults={"email": value})
        if mobile is not None or sms_opt_out is not None:
            profile, _created = MessagingProfile.objects.select_for_update().get_or_create(user_id=user.pk)
            if mobile is not None:
                profile.mobile = normalized or ""
            if sms_opt_out is not None:
                profile.sms_opt_out = sms_opt_out
            profile.save()
    return preferences_get(access=access)


def _normalize_mobile(value: Any, errors: dict[str, list[str]]) -> str:
    import phonenumbers

    text = str(value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        errors["mobile"] = [_("Enter a valid mobile number.")]
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
