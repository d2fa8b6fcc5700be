"""The plans offered, as seeded into ``Plan`` by migration 0002 (kept in step with it).

The default plan's limits (``BILLING_DEFAULT_PLAN``: billing off, or a store without a billing
account) are read from here, so that a limit check then costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    max_seats: int | None
    max_customers: int | None
    trial_days: int | None
    order: int


CATALOGUE = {
    spec.code: spec
    for spec in (
        PlanSpec("trial", "Trial", max_seats=3, max_customers=500, trial_days=14, order=10),
        PlanSpec("standard", "Standard", max_seats=20, max_customers=20000, trial_days=14, order=20),
        PlanSpec("pro", "Pro", max_seats=None, max_customers=None, trial_days=14, order=30),
    )
}

# The plans' names on the pages, in the reader's language (the API keeps ``Plan.name``).
PLAN_LABELS = {
    "trial": gettext_lazy("Trial plan"),
    "standard": gettext_lazy("Standard plan"),
    "pro": gettext_lazy("Pro plan"),
}


def plan_label(code: str, name: str = "") -> str:
    return str(PLAN_LABELS.get(code, name or code))
