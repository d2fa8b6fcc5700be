"""The calls billing makes to Stripe, through the official SDK (``stripe``).

Every call passes the secret key explicitly, so nothing is sent while billing is off
(``settings.STRIPE_SECRET_KEY`` empty): ``enabled()`` is checked by the services first and the
functions here refuse to run without a key. The HTTP transport is the SDK's
(``stripe.default_http_client``).
"""

from __future__ import annotations

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from shared_apps.billing.error_codes import BillingErrorCode
from shared_apps.platform.errors import Conflict


class GatewayError(Conflict):
    code = BillingErrorCode.BILLING_UNAVAILABLE


def enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _key() -> str:
    if not enabled():
        raise GatewayError(_("Billing is not configured."), code=BillingErrorCode.BILLING_DISABLED)
    return settings.STRIPE_SECRET_KEY


def _call(fn, **params):
    try:
        return fn(api_key=_key(), **params)
    except stripe.StripeError as exc:
        message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
        raise GatewayError(_("The payment provider refused the request: %(reason)s") % {"reason": message}) from exc


def customer_create(*, email: str, name: str, account_id: str, subdomain: str) -> str:
    customer = _call(
        stripe.Customer.create,
        email=email,
        name=name,
        metadata={"account": account_id, "subdomain": subdomain},
        idempotency_key=f"customer-{account_id}",
    )
    return customer["id"]


def checkout_session_create(
    *,
    customer_id: str,
    price: str,
    account_id: str,
    plan: str,
    success_url: str,
    cancel_url: str,
    trial_end: int | None = None,
) -> str:
    subscription_data: dict = {"metadata": {"account": account_id, "plan": plan}}
    if trial_end:
        subscription_data["trial_end"] = trial_end
    session = _call(
        stripe.checkout.Session.create,
        mode="subscription",
        customer=customer_id,
        client_reference_id=account_id,
        line_items=[{"price": price, "quantity": 1}],
        metadata={"account": account_id, "plan": plan},
        subscription_data=subscription_data,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    return session["url"]


def portal_session_create(*, customer_id: str, return_url: str) -> str:
    session = _call(stripe.billing_portal.Session.create, customer=customer_id, return_url=return_url)
    return session["url"]


def verify_event(*, payload: bytes, signature: str) -> None:
    """Raise stripe.SignatureVerificationError unless ``signature`` signs ``payload`` with the
    webhook secret (and is recent: the SDK's tolerance)."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise stripe.SignatureVerificationError("no webhook secret configured", signature)
    stripe.Webhook.construct_event(payload.decode("utf-8"), signature, secret)
