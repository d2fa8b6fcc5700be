"""The store policies HQ sets company-wide defaults for, with their bounds and checks.

Stores keep the same fields in their own settings; a store uses its own value only for the fields
it overrides, and the company default otherwise.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from shared_apps.platform.errors import ValidationFailed

# Bounds (inclusive). A grace period, an idle limit or a return-visit deadline of 0 days would
# release customers at once, so those start at 1.
POLICY_INT_LIMITS: dict[str, tuple[int, int]] = {
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
POLICY_FIELDS = ("discount_threshold", *POLICY_INT_LIMITS)


def check_threshold(value: Any) -> tuple[Decimal | None, str | None]:
    if isinstance(value, bool):
        return None, _("Enter a decimal number between 0 and 1.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, _("Enter a decimal number between 0 and 1.")
    if not number.is_finite() or number < 0 or number > 1:
        return None, _("Enter a decimal number between 0 and 1.")
    if number.as_tuple().exponent < -DISCOUNT_THRESHOLD_PLACES:
        return None, _("At most %(places)d decimal places.") % {"places": DISCOUNT_THRESHOLD_PLACES}
    return number.quantize(Decimal(1).scaleb(-DISCOUNT_THRESHOLD_PLACES)), None


def check_int(field: str, value: Any) -> tuple[int | None, str | None]:
    low, high = POLICY_INT_LIMITS[field]
    if isinstance(value, bool) or not isinstance(value, int):
        return None, _("Enter a whole number.")
    if not low <= value <= high:
        return None, _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    return value, None


def clean_policy_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Every value checked; the cleaned values, or ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in POLICY_FIELDS:
            errors[field] = [_("Unknown setting.")]
            continue
        result, error = check_threshold(value) if field == "discount_threshold" else check_int(field, value)
        if error:
            errors[field] = [error]
        else:
            clean[field] = result
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    return clean
