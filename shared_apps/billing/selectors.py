"""Billing reads: plans, a signup's progress, a store's billing summary."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from shared_apps.accounts.models import Membership
from shared_apps.billing import gateway
from shared_apps.billing.models import Account, Plan
from shared_apps.platform.errors import NotFound
from tenants.models import Provisioning
from tenants.routing import store_url


def default_plan() -> Plan | None:
    return Plan.objects.filter(code=settings.BILLING_DEFAULT_PLAN).first()


def plan_of_store(store) -> Plan | None:
    """The plan whose limits apply: the account's with billing on, the default plan otherwise
    (and for stores without a billing account, such as those HQ makes)."""
    if gateway.enabled():
        account = Account.objects.select_related("plan").filter(store_id=store.pk).first()
        if account is not None:
            return account.plan
    return default_plan()


def plans_list():
    return Plan.objects.filter(is_public=True).order_by("order", "code")


def signup_get(*, signup_id) -> Account:
    try:
        pk = uuid.UUID(str(signup_id))
    except ValueError:
        raise NotFound(_("No such signup.")) from None
    account = Account.objects.select_related("provisioning", "store").filter(pk=pk).first()
    if account is None or (account.provisioning_id is None and account.store_id is None):
        raise NotFound(_("No such signup."))
    return account


def signup_status(account: Account) -> dict:
    """``{"status", "store_url", "error"}`` of a signup: its provisioning's outcome."""
    record = account.provisioning
    if record is None:
        status = Provisioning.Status.READY if account.store_id else Provisioning.Status.FAILED
        error = ""
    else:
        status, error = record.status, record.error
    url = store_url(account.store.subdomain) if status == Provisioning.Status.READY and account.store_id else None
    subdomain = account.store.subdomain if account.store_id else (record.subdomain if record else "")
    return {"id": account.pk, "status": status, "subdomain": subdomain, "store_url": url, "error": error or None}


def account_for_store(store) -> Account | None:
    return Account.objects.select_related("plan").filter(store_id=store.pk).first()


def seats_used(store) -> int:
    return Membership.objects.filter(store_id=store.pk, is_active=True).count()


def billing_summary(store) -> dict:
    """What the store's billing page and ``GET /api/v1/billing`` show."""
    account = account_for_store(store)
    plan = plan_of_store(store)
    return {
        "billing_enabled": gateway.enabled(),
        "company": account.company if account else store.name,
        "plan": plan,
        "state": account.state if account else Account.State.ACTIVE,
        "state_label": str(Account.State(account.state).label if account else Account.State.ACTIVE.label),
        "trial_ends_at": account.trial_ends_at if account else None,
        "past_due_since": account.past_due_since if account else None,
        "store_status": store.status,
        "has_subscription": bool(account and account.stripe_subscription_id),
        "seats_used": seats_used(store),
        "plans": list(plans_list()),
    }
