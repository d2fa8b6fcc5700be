"""Billing writes: self-service signup, plan limits, Stripe Checkout and Portal, webhook events,
the grace period.

Billing state and store status
------------------------------
An account's billing ``state`` is its own: ``trialing`` → ``active`` (a subscription is paid) →
``past_due`` (a payment failed; writes keep working) → ``read_only`` (still unpaid
``BILLING_GRACE_DAYS`` after it became past due, job ``billing.enforce_grace``) → ``active``
again when an invoice is paid; ``cancelled`` when the subscription ends. A trial that ends
without a subscription becomes ``past_due`` at its end. Nothing is ever deleted.

The store's status (``Store.status``, which HQ also sets) is computed from both:
* a suspended store stays suspended: billing never changes it (HQ decides);
* billing ``read_only`` or ``cancelled`` makes an active store read-only and remembers that it
  did (``store_locked_by_billing``);
* back in good standing, billing makes the store active again only when billing made it
  read-only; a store HQ made read-only stays read-only.

Events are applied in the order Stripe created them, not the order they arrive: each account
keeps the ``created`` time of the newest event applied to its state, and an older event is
recorded (so it is never processed twice) without changing anything.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_create
from shared_apps.billing import gateway
from shared_apps.billing.catalogue import CATALOGUE, plan_label
from shared_apps.billing.error_codes import BillingErrorCode
from shared_apps.billing.models import Account, Plan, WebhookEvent
from shared_apps.billing.selectors import default_plan
from shared_apps.platform.errors import Conflict, DomainError, ValidationFailed
from shared_apps.platform.limits import CUSTOMERS, SEATS, Limit
from tenants.models import Provisioning, Store
from tenants.provisioning import CHANNEL_CODES, check_subdomain_available, request_store

logger = logging.getLogger(__name__)

State = Account.State


class BadSignature(DomainError):
    status = 400
    code = BillingErrorCode.BAD_SIGNATURE


# --- plans and limits -------------------------------------------------------------------------


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


# --- signup -----------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# The channel a signup store starts with when the signup names none.
DEFAULT_SIGNUP_CHANNEL = "offline"


@dataclass(frozen=True)
class HeldSignup:
    """A signup for an email that already has an account, made by someone not signed in as it:
    nothing is made and no password is tested; the address's owner is told by email. The caller
    gets the same answer as any signup (``pk`` is a fresh id that nothing stores)."""

    pk: uuid.UUID


def signup(
    *,
    company: str,
    store_name: str,
    subdomain: str,
    owner_email: str,
    owner_password: str,
    plan: str,
    requester=None,
    owner_name: str = "",
    channels: list[str] | tuple[str, ...] = (),
) -> Account | HeldSignup:
    """Sign a company up: the owner, a billing account on ``plan`` and a store provisioned in the
    background with the owner as its admin. Everything is validated before anything is written;
    one transaction.

    The owner is a new user made with ``owner_password``, or the existing user of ``owner_email``
    when ``requester`` (the signed-in caller) is that user. An existing email from anyone else
    takes and tests no password (``HeldSignup``): the same 202 as any signup, and an email to the
    address saying how to go on (sign in, then sign up), so that signup tells nobody whether an
    address has an account, let alone its password.

    Signup stores have no subsidiary: subsidiaries group HQ's own stores, and HQ may move a store
    into one later. The company is kept on the billing account.

    ``owner_name`` is the new owner's own name (the pages greet them by it); ``channels`` are the
    store's channels to enable (``offline`` when none is given, so the store can take orders at once).
    """
    company, store_name, subdomain = _clean(company), _clean(store_name), _clean(subdomain)
    email = _clean(owner_email).lower()
    password = owner_password if isinstance(owner_password, str) else ""
    errors: dict[str, list[str]] = {}
    if not company or len(company) > 120:
        errors["company"] = [_("A name of 1 to 120 characters.")]
    if not store_name or len(store_name) > 120:
        errors["store_name"] = [_("A name of 1 to 120 characters.")]
    owner_name = _clean(owner_name)
    if len(owner_name) > 150:
        errors["owner_name"] = [_("At most %(max)d characters.") % {"max": 150}]
    channels = _signup_channels(channels, errors)
    chosen = _signup_plan(plan, errors)
    owner = _signup_owner(
        email=email, password=password, name=owner_name or company, requester=requester, errors=errors
    )
    _refuse_invalid_signup(subdomain=subdomain, errors=errors)
    if owner is not None and not (owner.is_active and requester is not None and requester.pk == owner.pk):
        _tell_existing_owner(owner=owner, store_name=store_name, subdomain=subdomain)
        return HeldSignup(pk=uuid.uuid4())
    return _signup_account(
        company=company,
        store_name=store_name,
        subdomain=subdomain,
        email=email,
        password=password,
        owner_name=owner_name,
        owner=owner,
        chosen=chosen,
        channels=channels,
    )


def _signup_channels(channels, errors: dict[str, list[str]]) -> list[str]:
    """The channels to enable (the default one when none is given); a wrong list is named in ``errors``."""
    if isinstance(channels, str) or not all(isinstance(c, str) for c in channels or ()):
        errors["channels"] = [_("A list of channel codes.")]
        channels = ()
    channels = list(dict.fromkeys(channels or ())) or [DEFAULT_SIGNUP_CHANNEL]
    if any(c not in CHANNEL_CODES for c in channels):
        errors["channels"] = [_("Choose from: %(codes)s.") % {"codes": ", ".join(CHANNEL_CODES)}]
    return channels


def _signup_plan(plan: str, errors: dict[str, list[str]]) -> Plan | None:
    chosen = Plan.objects.filter(code=_clean(plan), is_public=True).first()
    if chosen is None:
        codes = ", ".join(Plan.objects.filter(is_public=True).values_list("code", flat=True))
        errors["plan"] = [_("Choose a plan: %(codes)s.") % {"codes": codes}]
    return chosen


def _signup_owner(*, email: str, password: str, name: str, requester, errors: dict[str, list[str]]) -> User | None:
    """The existing user of ``email``, if any. The password is checked unless the caller is
    signed in as that user; an invalid email is named in ``errors`` with the password's errors."""
    owner = None
    try:
        validate_email(email)
    except DjangoValidationError:
        errors["owner_email"] = [_("Enter a valid email address.")]
        # The password's errors come with the others: nobody's account is involved yet.
        try:
            validate_password(password, user=User(email=email, name=name))
        except DjangoValidationError as exc:
            errors["owner_password"] = list(exc.messages)
    else:
        owner = User.objects.filter(email__iexact=email).first()
        signed_in_as_owner = owner is not None and requester is not None and getattr(requester, "pk", None) == owner.pk
        if not signed_in_as_owner:
            try:
                validate_password(password, user=User(email=email, name=name))
            except DjangoValidationError as exc:
                errors["owner_password"] = list(exc.messages)
    return owner


def _refuse_invalid_signup(*, subdomain: str, errors: dict[str, list[str]]) -> None:
    """Refuse with every field's errors (the subdomain's among them when it is malformed), or
    with the subdomain's own refusal (taken, reserved) when nothing else is wrong."""
    subdomain_error: DomainError | None = None
    try:
        check_subdomain_available(subdomain)
    except DomainError as exc:
        subdomain_error = exc
    if subdomain_error is not None and subdomain_error.status == 400:
        merged = {**errors, **subdomain_error.errors}
        raise ValidationFailed(subdomain_error.detail, code=subdomain_error.code, errors=merged)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    if subdomain_error is not None:
        raise subdomain_error


def _signup_account(
    *,
    company: str,
    store_name: str,
    subdomain: str,
    email: str,
    password: str,
    owner_name: str,
    owner: User | None,
    chosen: Plan,
    channels: list[str],
) -> Account:
    """The owner (when new), the store's provisioning and the billing account, in one transaction."""
    try:
        with transaction.atomic():
            if owner is None:
                owner = user_create(email=email, password=password, name=owner_name)
            record = request_store(name=store_name, subdomain=subdomain, owner=owner, channels=channels)
            trial_ends_at = timezone.now() + timedelta(days=chosen.trial_days) if chosen.trial_days else None
            return Account.objects.create(
                company=company,
                owner=owner,
                plan=chosen,
                provisioning=record,
                state=State.TRIALING if trial_ends_at else State.ACTIVE,
                trial_ends_at=trial_ends_at,
            )
    except ValidationFailed as exc:
        # Another signup took the email between the check and the insert.
        if "email" in exc.errors:
            raise Conflict(
                _("A user with this email exists. Sign up with that user's password, or use another email."),
                code=BillingErrorCode.EMAIL_TAKEN,
                errors={"owner_email": exc.errors["email"]},
            ) from exc
        raise
    except IntegrityError as exc:  # the only unique row left to race for is the new user
        raise Conflict(
            _("A user with this email exists. Sign up with that user's password, or use another email."),
            code=BillingErrorCode.EMAIL_TAKEN,
            errors={"owner_email": [_("A user with this email already exists.")]},
        ) from exc


def _tell_existing_owner(*, owner, store_name: str, subdomain: str) -> None:
    from django.core.mail import send_mail

    from tenants.routing import hq_url

    subject = _("A store was asked for with your email")
    body = _(
        "Someone asked to open the store “%(store)s” (%(subdomain)s) with this email address, which "
        "already has an account. Nothing was made.\n\n"
        "If it was you: sign in at %(url)s and sign up again while signed in; the new store will be "
        "yours. If it was not you, ignore this message: your password was not used."
    ) % {"store": store_name, "subdomain": subdomain, "url": hq_url()}
    send_mail(subject, body, None, [owner.email], fail_silently=True)


def account_link_store(*, store: Store) -> None:
    """Inside the provisioning transaction: attach the signup's account to its new store."""
    Account.objects.filter(
        provisioning__subdomain=store.subdomain,
        provisioning__status=Provisioning.Status.PROVISIONING,
        store__isnull=True,
    ).update(store=store)


# --- state and store status -------------------------------------------------------------------


def _sync_store(account: Account) -> None:
    """Make the store's status follow the billing state (rule in the module doc)."""
    if account.store_id is None:
        return
    store = Store.objects.select_for_update().get(pk=account.store_id)
    if store.status == Store.Status.SUSPENDED:
        return
    if account.blocks_writes:
        if store.status == Store.Status.ACTIVE:
            store.status = Store.Status.READ_ONLY
            store.save(update_fields=["status"])
            account.store_locked_by_billing = True
    elif store.status == Store.Status.READ_ONLY and account.store_locked_by_billing:
        store.status = Store.Status.ACTIVE
        store.save(update_fields=["status"])
        account.store_locked_by_billing = False
    elif store.status == Store.Status.ACTIVE:
        account.store_locked_by_billing = False


def _set_state(account: Account, state: str, *, since: datetime, at: datetime | None = None) -> None:
    """Move a locked account to ``state`` (past due from ``since``) and sync its store."""
    at = at or timezone.now()
    if state == State.PAST_DUE:
        if account.state not in (State.PAST_DUE, State.READ_ONLY):
            account.past_due_since = since
        if account.past_due_since and account.past_due_since + timedelta(days=settings.BILLING_GRACE_DAYS) <= at:
            state = State.READ_ONLY
    elif state != State.READ_ONLY:
        account.past_due_since = None
    account.state = state
    _sync_store(account)
    account.save()


# --- Stripe: customer, Checkout, Portal -------------------------------------------------------


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
    plan = Plan.objects.filter(code=_clean(plan_code)).first()
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


# --- webhooks ---------------------------------------------------------------------------------

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
        _set_state(account, State.ACTIVE, since=created)
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
        _set_state(account, state, since=created)
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
            _set_state(account, State.ACTIVE, since=created)
        else:
            if account.state == State.CANCELLED:
                account.save()
                return "recorded"
            _set_state(account, State.PAST_DUE, since=created)
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


# --- grace period -----------------------------------------------------------------------------


def enforce_grace(*, at: datetime) -> dict[str, int]:
    """Trials ended without a subscription become past due; accounts past due for longer than
    ``BILLING_GRACE_DAYS`` become read-only; blocked accounts keep their store read-only. Idempotent."""
    if not gateway.enabled():
        return {"trials_ended": 0, "read_only": 0}
    trials = read_only = 0
    for pk in Account.objects.filter(state=State.TRIALING, trial_ends_at__lte=at).values_list("pk", flat=True):
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=pk)
            if account.state == State.TRIALING and account.trial_ends_at and account.trial_ends_at <= at:
                _set_state(account, State.PAST_DUE, since=account.trial_ends_at, at=at)
                trials += 1
    limit = at - timedelta(days=settings.BILLING_GRACE_DAYS)
    for pk in Account.objects.filter(state=State.PAST_DUE, past_due_since__lte=limit).values_list("pk", flat=True):
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=pk)
            if account.state == State.PAST_DUE and account.past_due_since and account.past_due_since <= limit:
                _set_state(account, State.READ_ONLY, since=account.past_due_since, at=at)
                read_only += 1
    blocked = Account.objects.filter(
        state__in=[State.READ_ONLY, State.CANCELLED], store__status=Store.Status.ACTIVE
    ).values_list("pk", flat=True)
    for pk in blocked:
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=pk)
            _sync_store(account)
            account.save()
    return {"trials_ended": trials, "read_only": read_only}
