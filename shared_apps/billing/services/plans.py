"""Plans and limits: the limit provider (the plan whose limits apply to a store is a selector)."""

from __future__ import annotations

from django.conf import settings

from shared_apps.billing import gateway
from shared_apps.billing.catalogue import CATALOGUE, plan_label
from shared_apps.billing.models import Account
from shared_apps.billing.selectors import default_plan, plan_of_store
from shared_apps.platform.limits import CUSTOMERS, SEATS, Limit


def plan_limit(store, resource: str) -> Limit | None:
    """The limit provider of ``shared_apps.platform.limits`` (registered in BillingConfig.ready):
    the account's plan with billing on; otherwise, or without an account, the default plan (its
    limits from the catalogue when it is one of the catalogue's plans: no query)."""
    fields = {SEATS: "max_seats", CUSTOMERS: "max_customers"}
    if resource not in fields:
        return None
    if gateway.enabled():
        row = (
            Account.objects.filter(store_id=store.pk)
            .values_list("plan__code", "plan__name", f"plan__{fields[resource]}")
            .first()
        )
        if row is not None:
            return Limit(maximum=row[2], plan_code=row[0], plan_name=plan_label(row[0], row[1]))
    spec = CATALOGUE.get(settings.BILLING_DEFAULT_PLAN)
    if spec is not None:
        return Limit(
            maximum=getattr(spec, fields[resource]), plan_code=spec.code, plan_name=plan_label(spec.code, spec.name)
        )
    plan = default_plan()
    if plan is None:
        return None
    return Limit(maximum=getattr(plan, fields[resource]), plan_code=plan.code, plan_name=plan.label)


__all__ = ["default_plan", "plan_limit", "plan_of_store"]
