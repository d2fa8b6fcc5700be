"""Self-service signup: the owner, a billing account on a plan and a store provisioned in the
background; attaching the account to its store once the store exists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_create
from shared_apps.billing.error_codes import BillingErrorCode
from shared_apps.billing.models import Account, Plan
from shared_apps.billing.services.common import State, clean
from shared_apps.platform.errors import Conflict, DomainError, ValidationFailed
from tenants.models import Provisioning, Store
from tenants.provisioning import CHANNEL_CODES, check_subdomain_available, request_store

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
    company, store_name, subdomain = clean(company), clean(store_name), clean(subdomain)
    email = clean(owner_email).lower()
    password = owner_password if isinstance(owner_password, str) else ""
    errors: dict[str, list[str]] = {}
    if not company or len(company) > 120:
        errors["company"] = [_("A name of 1 to 120 characters.")]
    if not store_name or len(store_name) > 120:
        errors["store_name"] = [_("A name of 1 to 120 characters.")]
    owner_name = clean(owner_name)
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
    chosen = Plan.objects.filter(code=clean(plan), is_public=True).first()
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
