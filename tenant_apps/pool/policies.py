"""The rules of the shared pool for one customer grade.

The store-wide values are the store settings (``/api/v1/settings``, workspace); a
``GradePolicy`` row may override the grace period, the idle limit and the return-visit deadline
for one grade (an A customer may be kept longer than a D). Zero means "no limit" for the
ownership cap and the daily claim limit, "none" for the cooldown and the warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenant_apps.pool.models import GradePolicy
from tenant_apps.workspace.selectors import store_settings_get

GRADES = ("A", "B", "C", "D")
# The fields a grade may override, with the store setting each one defaults to.
OVERRIDABLE_FIELDS = {
    "grace_days": "pool_grace_days",
    "max_idle_days": "pool_max_idle_days",
    "return_visit_days": "pool_return_visit_days",
}


@dataclass(frozen=True)
class PoolPolicy:
    grace_days: int
    max_idle_days: int
    return_visit_days: int
    ownership_cap: int
    daily_claim_limit: int
    reclaim_cooldown_days: int
    release_warning_days: int


def _policy(store_settings, override: GradePolicy | None) -> PoolPolicy:
    values = {}
    for field, setting in OVERRIDABLE_FIELDS.items():
        own = getattr(override, field, None) if override is not None else None
        values[field] = own if own is not None else getattr(store_settings, setting)
    return PoolPolicy(
        **values,
        ownership_cap=store_settings.pool_ownership_cap,
        daily_claim_limit=store_settings.pool_daily_claim_limit,
        reclaim_cooldown_days=store_settings.pool_reclaim_cooldown_days,
        release_warning_days=store_settings.pool_release_warning_days,
    )


def pool_policy(*, grade: str) -> PoolPolicy:
    """The pool rules that apply to a customer of ``grade`` in the current store."""
    return _policy(store_settings_get(), GradePolicy.objects.filter(grade=grade).first())


def pool_policies() -> dict[str, PoolPolicy]:
    """The rules of every grade (two queries), plus ``""`` for a grade with no override row."""
    store_settings = store_settings_get()
    overrides = {row.grade: row for row in GradePolicy.objects.all()}
    policies = {grade: _policy(store_settings, overrides.get(grade)) for grade in GRADES}
    for grade, row in overrides.items():
        policies.setdefault(grade, _policy(store_settings, row))
    policies[""] = _policy(store_settings, None)
    return policies


def grade_overrides() -> dict[str, dict[str, int | None]]:
    """The per-grade overrides as stored: ``{"A": {"grace_days": None, "max_idle_days": 60, ...}}``."""
    overrides = {row.grade: row for row in GradePolicy.objects.all()}
    return {
        grade: {field: getattr(overrides.get(grade), field, None) for field in OVERRIDABLE_FIELDS} for grade in GRADES
    }
