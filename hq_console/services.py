"""HQ writes (public schema): a store's extra domains and its memberships, the company-wide
default policies and HQ announcements to stores."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hq_console.models import CompanyPolicy, HqAnnouncement, HqSignIn
from shared_apps.accounts import services as account_services
from shared_apps.accounts.models import Membership, User
from shared_apps.platform.errors import Conflict, ValidationFailed
from shared_apps.platform.policies import clean_policy_changes
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


TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000


def company_policy_update(*, hq_user: User, **changes: Any) -> CompanyPolicy:
    """Change company-wide defaults. Every value is checked first; on any error nothing is saved.
    Stores that do not override a field use the new value from their next read."""
    clean = clean_policy_changes(changes)
    with transaction.atomic():
        policy, _created = CompanyPolicy.objects.select_for_update().get_or_create(singleton=True)
        for field, value in clean.items():
            setattr(policy, field, value)
        policy.updated_by = hq_user
        policy.save()
    return policy


def hq_announcement_create(
    *, title: str, body: str = "", hq_user: User, all_stores: bool = False, store_ids: Iterable[int] = ()
) -> HqAnnouncement:
    """Broadcast an announcement to every store (``all_stores``) or to the stores named."""
    title = (title or "").strip()
    body = (body or "").strip()
    ids = sorted({int(pk) for pk in store_ids})
    errors: dict[str, list[str]] = {}
    if not title or len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("A title of 1 to %(max)d characters is required.") % {"max": TITLE_MAX_LENGTH}]
    if len(body) > BODY_MAX_LENGTH:
        errors["body"] = [_("At most %(max)d characters.") % {"max": BODY_MAX_LENGTH}]
    if all_stores and ids:
        errors["stores"] = [_("Choose either all stores or some stores, not both.")]
    elif not all_stores and not ids:
        errors["stores"] = [_("Choose at least one store, or all stores.")]
    elif ids:
        found = set(Store.objects.stores().filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in found]
        if missing:
            errors["stores"] = [
                _("No such store: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing)},
            ]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        announcement = HqAnnouncement.objects.create(title=title, body=body, all_stores=all_stores, created_by=hq_user)
        if ids:
            announcement.stores.set(ids)
    return announcement


# --- the HQ host's sign-ins ----------------------------------------------------------------


def record_hq_sign_in(*, request, email: str, user_id: int | None, succeeded: bool, method: str) -> HqSignIn:
    from tenant_apps.audit.services import sign_in_values

    return HqSignIn.objects.create(
        **sign_in_values(request=request, email=email, user_id=user_id, succeeded=succeeded, method=method)
    )


def purge_hq_sign_ins(*, before) -> int:
    deleted, _count = HqSignIn.objects.filter(at__lt=before).delete()
    return deleted


# --- default automation rules ---------------------------------------------------------------------


def _clean_default_rule(*, name: Any, template: Any, params: Any, actions: Any, active: Any) -> dict[str, Any]:
    from tenant_apps.automation import actions as rule_actions
    from tenant_apps.automation import templates as rule_templates

    errors: dict[str, list[str]] = {}
    chosen = rule_templates.get(template) if isinstance(template, str) else None
    if chosen is None:
        keys = ", ".join(t.key for t in rule_templates.TEMPLATES)
        errors["template"] = [_("Choose from: %(values)s.") % {"values": keys}]
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        errors["name"] = [_("A name of 1 to 120 characters is required.")]
    if not isinstance(active, bool):
        errors["active"] = [_("Give true or false.")]
    clean_params: dict[str, Any] = {}
    if chosen is not None:
        clean_params, param_errors = rule_templates.clean_params(chosen, params)
        errors.update(param_errors)
    if actions:
        try:
            # Members differ per store: HQ defaults name people by role or as the record's owner.
            rule_actions.validate(actions, member_ids=set())
        except rule_actions.InvalidAction as exc:
            errors["actions"] = [str(exc)]
    if errors:
        raise ValidationFailed(_("Invalid default rule."), errors=errors)
    return {
        "name": name.strip(),
        "template": template,
        "params": clean_params,
        "actions": actions or [],
        "active": active,
    }


def default_rule_create(
    *, hq_user: User, name: Any, template: Any, params: Any = None, actions: Any = None, active: Any = True
):
    from hq_console.models import HqDefaultRule

    values = _clean_default_rule(name=name, template=template, params=params, actions=actions, active=active)
    return HqDefaultRule.objects.create(updated_by=hq_user, **values)


def default_rule_update(*, rule, hq_user: User, changes: dict[str, Any]):
    from hq_console.models import HqDefaultRule

    changes = dict(changes)
    current = {key: getattr(rule, key) for key in ("name", "template", "params", "actions", "active")}
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationFailed(
            _("Invalid default rule."), errors={key: [_("Unknown field.")] for key in sorted(unknown)}
        )
    if "params" in changes and isinstance(changes["params"], dict):
        changes["params"] = {**current["params"], **changes["params"]}
    values = _clean_default_rule(**{**current, **changes})
    with transaction.atomic():
        locked = HqDefaultRule.objects.select_for_update().get(pk=rule.pk)
        for key, value in values.items():
            setattr(locked, key, value)
        locked.updated_by = hq_user
        locked.save()
    return locked


def default_rule_delete(*, rule) -> None:
    rule.delete()
