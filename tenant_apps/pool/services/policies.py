"""The store's per-grade pool policies."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.pool.models import GradePolicy
from tenant_apps.pool.policies import GRADES, OVERRIDABLE_FIELDS, grade_overrides
from tenant_apps.workspace.services import SETTINGS_INT_LIMITS

# --- per-grade policies ---------------------------------------------------------------------------


def grade_policies_update(*, grades: dict) -> dict[str, dict[str, int | None]]:
    """Change per-grade overrides: ``{"A": {"max_idle_days": 60, "grace_days": None}}`` (None
    removes an override). Every value is checked first; on any error nothing is saved."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, int | None]] = {}
    if not isinstance(grades, dict):
        raise ValidationFailed(_("Invalid input."), errors={"grades": [_("An object keyed by grade is expected.")]})
    for grade, values in grades.items():
        if grade not in GRADES:
            errors[f"grades.{grade}"] = [_("Unknown grade; use A, B, C or D.")]
            continue
        if not isinstance(values, dict):
            errors[f"grades.{grade}"] = [_("An object of overrides is expected.")]
            continue
        clean[grade] = {}
        for field, value in values.items():
            key = f"grades.{grade}.{field}"
            if field not in OVERRIDABLE_FIELDS:
                errors[key] = [_("Unknown rule.")]
                continue
            if value is None:
                clean[grade][field] = None
                continue
            low, high = SETTINGS_INT_LIMITS[OVERRIDABLE_FIELDS[field]]
            if isinstance(value, bool) or not isinstance(value, int):
                errors[key] = [_("Enter a whole number.")]
            elif not low <= value <= high:
                errors[key] = [_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
            else:
                clean[grade][field] = value
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        for grade, values in clean.items():
            if not values:
                continue
            row, _created = GradePolicy.objects.select_for_update().get_or_create(grade=grade)
            for field, value in values.items():
                setattr(row, field, value)
            if all(getattr(row, field) is None for field in OVERRIDABLE_FIELDS):
                row.delete()
            else:
                row.save()
    return grade_overrides()
