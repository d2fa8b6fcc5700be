"""Writes on the store's basics: setup at provisioning, channels, store policies."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.platform.errors import Conflict, ValidationFailed
from tenant_apps.workspace.models import Channel, StoreSettings

DUPLICATE_CHANNEL = "duplicate_channel"


def store_setup(*, channels: Iterable[str]) -> None:
    """Runs inside provisioning with the new store's schema active."""
    StoreSettings.objects.get_or_create(singleton=True)
    for platform in channels:
        channel_create(code=platform, platform=platform)


def _duplicate_channel() -> Conflict:
    return Conflict(
        _("A channel with this code exists."), code=DUPLICATE_CHANNEL, errors={"code": [_("Already used.")]}
    )


def channel_create(*, code: str, platform: str, name: str = "") -> Channel:
    code = (code or "").strip().lower()
    name = (name or "").strip()
    errors = {}
    if platform not in Channel.Platform.values:
        errors["platform"] = [_("Choose a valid platform.")]
    if not code or len(code) > 40:
        errors["code"] = [_("A code of 1 to 40 characters is required.")]
    if len(name) > 120:
        errors["name"] = [_("At most 120 characters.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    if Channel.objects.filter(code=code).exists():
        raise _duplicate_channel()
    try:
        with transaction.atomic():
            return Channel.objects.create(code=code, platform=platform, name=name or Channel.Platform(platform).label)
    except IntegrityError as exc:  # created concurrently
        raise _duplicate_channel() from exc


def channel_update(*, channel: Channel, name: str | None = None, is_active: bool | None = None) -> Channel:
    fields = []
    if name is not None:
        name = name.strip()
        if not name or len(name) > 120:
            raise ValidationFailed(_("Invalid input."), errors={"name": [_("A name of 1 to 120 characters.")]})
        channel.name = name
        fields.append("name")
    if is_active is not None:
        channel.is_active = is_active
        fields.append("is_active")
    if fields:
        channel.save(update_fields=fields)
    return channel


# The store policies an admin may change, with their bounds (inclusive). A grace period, an idle
# limit or a return-visit deadline of 0 days would release customers at once, so those start at 1.
SETTINGS_INT_LIMITS: dict[str, tuple[int, int]] = {
    "pool_grace_days": (1, 3650),
    "pool_max_idle_days": (1, 3650),
    "pool_return_visit_days": (1, 3650),
    "pool_ownership_cap": (0, 1_000_000),
    "pool_daily_claim_limit": (0, 10_000),
    "pool_reclaim_cooldown_days": (0, 3650),
    "pool_release_warning_days": (0, 3650),
    "return_visit_window_days": (1, 3650),
}
DISCOUNT_THRESHOLD_PLACES = 3
SETTINGS_FIELDS = ("discount_threshold", *SETTINGS_INT_LIMITS)


def _check_threshold(value: Any) -> tuple[Decimal | None, str | None]:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, _("Enter a decimal number between 0 and 1.")
    if not number.is_finite() or number < 0 or number > 1:
        return None, _("Enter a decimal number between 0 and 1.")
    if number.as_tuple().exponent < -DISCOUNT_THRESHOLD_PLACES:
        return None, _("At most %(places)d decimal places.") % {"places": DISCOUNT_THRESHOLD_PLACES}
    return number.quantize(Decimal(1).scaleb(-DISCOUNT_THRESHOLD_PLACES)), None


def _check_int(field: str, value: Any) -> tuple[int | None, str | None]:
    low, high = SETTINGS_INT_LIMITS[field]
    if isinstance(value, bool) or not isinstance(value, int):
        return None, _("Enter a whole number.")
    if not low <= value <= high:
        return None, _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    return value, None


def store_settings_update(**changes: Any) -> StoreSettings:
    """Change some store policies. Every value is checked first; on any error nothing is saved."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in SETTINGS_FIELDS:
            errors[field] = [_("Unknown setting.")]
            continue
        if field == "discount_threshold":
            result, error = _check_threshold(value)
        else:
            result, error = _check_int(field, value)
        if error:
            errors[field] = [error]
        else:
            clean[field] = result
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        settings_row, _created = StoreSettings.objects.select_for_update().get_or_create(singleton=True)
        for field, value in clean.items():
            setattr(settings_row, field, value)
        if clean:
            settings_row.save(update_fields=[*clean, "updated_at"])
    return settings_row
