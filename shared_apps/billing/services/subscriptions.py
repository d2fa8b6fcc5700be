"""Stripe: the store's customer, Checkout (subscribing to a plan) and the Billing Portal."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import User
from shared_apps.billing import gateway
from shared_apps.billing.error_codes import BillingErrorCode
from shared_apps.billing.models import Account, Plan
from shared_apps.billing.services.common import State, clean
from shared_apps.billing.services.plans import default_plan
from shared_apps.platform.errors import Conflict, ValidationFailed
from tenants.models import Store


def _account_for_store_locked(*, store: Store, user: User) -> Account:
    """The store's account (locked), made on first use for a store without one (made by HQ)."""
    account = Account.objects.select_for_update().filter(store_id=store.pk).first()
    if account is None:
        plan = default_plan() or Plan.objects.order_by("-order").first()
        account = Account.objects.create(company=store.name, owner=user, plan=plan, store=store, state=State.ACTIVE)
    return account


def _ensure_customer(account: Account, *, store: Store, user: User) -> str:
    if not account.stripe_customer_id:
        owner = account.owner or user
        account.stripe_customer_id = gateway.customer_create(
            email=owner.email, name=account.company, account_id=str(account.pk), subdomain=store.subdomain
        )
        account.save(update_fields=["stripe_customer_id", "updated_at"])
    return account.stripe_customer_id


def _require_enabled() -> None:
    if not gateway.enabled():
        raise Conflict(_("Billing is not configured on this installation."), code=BillingErrorCode.BILLING_DISABLED)


def checkout_start(*, store: Store, user: User, plan_code: str, success_url: str, cancel_url: str) -> str:
    """A Stripe Checkout URL where the store admin subscribes to ``plan_code``."""
    _require_enabled()
    plan = Plan.objects.filter(code=clean(plan_code)).first()
    if plan is None or not plan.stripe_price:
        buyable = [p.code for p in Plan.objects.all() if p.stripe_price]
        raise ValidationFailed(
            _("This plan cannot be bought."),
            code=BillingErrorCode.UNKNOWN_PLAN,
            errors={"plan": [_("Choose a plan: %(codes)s.") % {"codes": ", ".join(buyable)}]},
        )
    with transaction.atomic():
        account = _account_for_store_locked(store=store, user=user)
        customer = _ensure_customer(account, store=store, user=user)
        trial_end = None
        # Stripe wants a trial end at least two days ahead; a shorter rest of trial is not carried over.
        if (
            account.state == State.TRIALING
            and account.trial_ends_at
            and account.trial_ends_at > timezone.now() + timedelta(days=2)
        ):
            trial_end = int(account.trial_ends_at.timestamp())
        return gateway.checkout_session_create(
            customer_id=customer,
            price=plan.stripe_price,
            account_id=str(account.pk),
            plan=plan.code,
            success_url=success_url,
            cancel_url=cancel_url,
            trial_end=trial_end,
        )


def portal_start(*, store: Store, user: User, return_url: str) -> str:
    """A Stripe Billing Portal URL (payment method, invoices, plan change, cancellation)."""
    _require_enabled()
    with transaction.atomic():
        account = _account_for_store_locked(store=store, user=user)
        customer = _ensure_customer(account, store=store, user=user)
        return gateway.portal_session_create(customer_id=customer, return_url=return_url)
