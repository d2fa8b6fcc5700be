"""HQ writes of store management: a store's extra domains and its memberships (public schema)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.accounts import services as account_services
from shared_apps.accounts.models import Membership
from shared_apps.platform.errors import Conflict, ValidationFailed
from tenants.models import Domain, Store

DOMAIN_TAKEN = "domain_taken"
PRIMARY_DOMAIN = "primary_domain"
DOMAIN_MAX_LENGTH = 253
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def normalise_hostname(value: str) -> str:
    """A host name as stored: trimmed, lower-case, without a trailing dot (IDN labels in punycode)."""
    host = (value or "").strip().lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        return host


def validate_hostname(value: str) -> str:
    """The normalised host name, or ValidationFailed: at least two labels of a-z, 0-9 and inner
    hyphens, a top-level label that is not a number, at most 253 characters, and not the base
    domain or a name under it (those are the stores' own subdomains)."""
    host = normalise_hostname(value)
    labels = host.split(".")
    valid = (
        0 < len(host) <= DOMAIN_MAX_LENGTH
        and len(labels) >= 2
        and all(_LABEL_RE.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )
    if not valid:
        raise ValidationFailed(
            _("Enter a host name such as shop.example.com."),
            errors={"domain": [_("Enter a valid host name (letters, digits, inner hyphens and dots).")]},
        )
    base = settings.BASE_DOMAIN.lower()
    if host == base or host.endswith("." + base):
        raise ValidationFailed(
            _("Names under %(base)s are the stores' own addresses.") % {"base": base},
            errors={"domain": [_("Choose a domain outside %(base)s.") % {"base": base}]},
        )
    return host


def _domain_taken() -> Conflict:
    return Conflict(
        _("This domain is already in use."), code=DOMAIN_TAKEN, errors={"domain": [_("Already used by a store.")]}
    )


def domain_add(*, store: Store, domain: str) -> Domain:
    """Give ``store`` an extra domain (a host name of its own, not the primary one)."""
    host = validate_hostname(domain)
    if Domain.objects.filter(domain=host).exists():
        raise _domain_taken()
    try:
        with transaction.atomic():
            return Domain.objects.create(domain=host, tenant=store, is_primary=False)
    except IntegrityError as exc:  # added concurrently
        raise _domain_taken() from exc


def domain_remove(*, domain: Domain) -> None:
    """Remove an extra domain. The primary domain (``<subdomain>.<base domain>``) stays."""
    if domain.is_primary:
        raise Conflict(
            _("The primary domain of a store cannot be removed."),
            code=PRIMARY_DOMAIN,
            errors={"domain": [_("This is the store's primary domain.")]},
        )
    with transaction.atomic():
        Domain.objects.filter(pk=domain.pk, is_primary=False).delete()


def member_add(
    *, store: Store, email: str, role: str, name: str = "", password: str | None = None, supervisor_id=None
) -> Membership:
    """Add a user (existing, or new with a password) to ``store`` with a role, from HQ."""
    return account_services.member_add(
        store=store, email=email, role=role, name=name, password=password, supervisor_id=supervisor_id
    )


def member_change(*, membership: Membership, role=None, is_active=None, supervisor_id=...) -> Membership:
    """Change a membership's role, supervisor or activity, from HQ (a store keeps one active admin)."""
    return account_services.member_change(
        membership=membership, role=role, is_active=is_active, supervisor_id=supervisor_id
    )
