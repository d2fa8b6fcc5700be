"""The plans offered, as seeded into ``Plan`` by migration 0002 (kept in step with it).

The default plan's limits (``BILLING_DEFAULT_PLAN``: billing off, or a store without a billing
account) are read from here, so that a limit check then costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass


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
