"""Stripe webhook events: verified, recorded once, applied to the account they belong to.

Events are applied in the order Stripe created them, not the order they arrive: each account
keeps the ``created`` time of the newest event applied to its state, and an older event is
recorded (so it is never processed twice) without changing anything.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.billing import gateway
from shared_apps.billing.error_codes import BillingErrorCode
from shared_apps.billing.models import Account, Plan, WebhookEvent
from shared_apps.billing.services.common import State
from shared_apps.billing.services.state import set_state
from shared_apps.platform.errors import DomainError, ValidationFailed

logger = logging.getLogger(__name__)


class BadSignature(DomainError):
    status = 400
    code = BillingErrorCode.BAD_SIGNATURE


SUBSCRIPTION_STATES = {
    "active": State.ACTIVE,
    "trialing": State.ACTIVE,
    "past_due": State.PAST_DUE,
    "unpaid": State.PAST_DUE,
    "paused": State.PAST_DUE,
    "canceled": State.CANCELLED,
    "incomplete_expired": State.CANCELLED,
}


def _plan_for_price(price_id: str) -> Plan | None:
    for code, price in settings.STRIPE_PRICES.items():
        if price and price == price_id:
            return Plan.objects.filter(code=code).first()
    return None


def _find_account(obj: dict) -> Account | None:
    """The account an event object belongs to (locked): by our id in its metadata or reference,
    else by its Stripe customer."""
    refs = [obj.get("client_reference_id"), (obj.get("metadata") or {}).get("account")]
    for ref in refs:
        try:
            account_id = uuid.UUID(str(ref))
        except (TypeError, ValueError):
            continue
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is not None:
            return account
    customer = obj.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    if isinstance(customer, str) and customer:
        return Account.objects.select_for_update().filter(stripe_customer_id=customer).first()
    return None


def _is_stale(account: Account, created: datetime) -> bool:
    return account.state_event_at is not None and created < account.state_event_at


def _apply(event_type: str, obj: dict, account: Account, created: datetime) -> str:
    """Apply one event to a locked account; returns the outcome recorded with the event."""
    customer = obj.get("customer") if isinstance(obj.get("customer"), str) else ""
    if customer and not account.stripe_customer_id:
        account.stripe_customer_id = customer
    if event_type == "checkout.session.completed":
        subscription = obj.get("subscription")
        fresh = not _is_stale(account, created) or not account.stripe_subscription_id
        if isinstance(subscription, str) and subscription and fresh:
            account.stripe_subscription_id = subscription
        if _is_stale(account, created):
            account.save()
            return "stale"
        plan = Plan.objects.filter(code=(obj.get("metadata") or {}).get("plan") or "").first()
        if plan is not None:
            account.plan = plan
        account.state_event_at = created
        set_state(account, State.ACTIVE, since=created)
        return "applied"

    if event_type.startswith("customer.subscription."):
        sub_id = obj.get("id") or ""
        other = bool(account.stripe_subscription_id) and sub_id != account.stripe_subscription_id
        if other and (event_type != "customer.subscription.created" or _is_stale(account, created)):
            account.save()
            return "other_subscription"
        if _is_stale(account, created):
            account.save()
            return "stale"
        account.stripe_subscription_id = sub_id
        account.subscription_status = str(obj.get("status") or "")[:32]
        items = (obj.get("items") or {}).get("data") or []
        price = ((items[0] or {}).get("price") or {}).get("id") if items else None
        plan = _plan_for_price(price) if price else None
        if plan is not None:
            account.plan = plan
        if event_type == "customer.subscription.deleted":
            state = State.CANCELLED
        else:
            state = SUBSCRIPTION_STATES.get(account.subscription_status)
        account.state_event_at = created
        if state is None:  # incomplete: the first payment is still pending
            account.save()
            return "recorded"
        set_state(account, state, since=created)
        return "applied"

    if event_type in ("invoice.paid", "invoice.payment_failed"):
        sub_id = obj.get("subscription")
        if isinstance(sub_id, str) and account.stripe_subscription_id and sub_id != account.stripe_subscription_id:
            account.save()
            return "other_subscription"
        if _is_stale(account, created):
            account.save()
            return "stale"
        account.state_event_at = created
        if event_type == "invoice.paid":
            if account.state == State.CANCELLED:
                account.save()
                return "recorded"
            set_state(account, State.ACTIVE, since=created)
        else:
            if account.state == State.CANCELLED:
                account.save()
                return "recorded"
            set_state(account, State.PAST_DUE, since=created)
        return "applied"
    account.save()
    return "ignored"


HANDLED_EVENTS = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)


def webhook_process(*, payload: bytes, signature: str) -> str:
    """Verify and apply one Stripe event, exactly once. Returns the outcome: ``applied``,
    ``duplicate`` (already processed), ``stale`` (older than the account's state), ``ignored``..."""
    try:
        gateway.verify_event(payload=payload, signature=signature or "")
        event = json.loads(payload)
        event_id = str(event["id"])
        event_type = str(event["type"])
        created = datetime.fromtimestamp(int(event["created"]), tz=UTC)
        obj = event["data"]["object"]
        if not isinstance(obj, dict):
            raise TypeError("data.object is not an object")
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(_("The webhook signature could not be verified.")) from exc
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        raise ValidationFailed(_("The webhook body is not a Stripe event.")) from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(event_id=event_id[:255], type=event_type[:100], created=created)
        except IntegrityError:
            return "duplicate"
        if event_type not in HANDLED_EVENTS:
            outcome = "ignored"
        else:
            account = _find_account(obj)
            if account is None:
                outcome = "unknown_account"
            else:
                outcome = _apply(event_type, obj, account, created)
                record.account = account
        record.outcome = outcome
        record.save(update_fields=["account", "outcome"])
    logger.info("stripe event %s (%s): %s", event_id, event_type, outcome)
    return outcome
