"""HQ writes: stores (creation goes through provisioning), their status, subsidiaries."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_create
from shared_apps.platform.errors import Conflict, ValidationFailed
from tenants.models import Provisioning, Store, Subsidiary
from tenants.provisioning import CHANNEL_CODES, check_subdomain_available, request_store

DUPLICATE_SUBSIDIARY = "duplicate_subsidiary"
SUBSIDIARY_CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


def store_request(
    *,
    name: str,
    subdomain: str,
    subsidiary: Subsidiary | None = None,
    channels: Iterable[str] = (),
    owner_email: str = "",
    owner_name: str = "",
    owner_password: str = "",
) -> Provisioning:
    """Queue a new store (provisioned in the background). With ``owner_email`` the user (existing,
    or new with ``owner_password``) becomes the store's admin. Nothing is written on error."""
    check_subdomain_available((subdomain or "").strip())
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    channels = list(channels)
    unknown = [code for code in channels if code not in CHANNEL_CODES]
    if unknown:
        errors["channels"] = [_("Choose from: %(codes)s.") % {"codes": ", ".join(CHANNEL_CODES)}]
    owner_email = (owner_email or "").strip().lower()
    owner = None
    if owner_email:
        try:
            validate_email(owner_email)
        except DjangoValidationError:
            errors["owner_email"] = [_("Enter a valid email address.")]
        else:
            owner = User.objects.filter(email__iexact=owner_email).first()
            if owner is None:
                try:
                    validate_password(owner_password or "", user=User(email=owner_email, name=owner_name))
                except DjangoValidationError as exc:
                    errors["owner_password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        if owner_email and owner is None:
            owner = user_create(email=owner_email, password=owner_password, name=(owner_name or "").strip())
        return request_store(name=name, subdomain=subdomain, subsidiary=subsidiary, owner=owner, channels=channels)


def store_update(
    *, store: Store, name: str | None = None, subsidiary: Subsidiary | object | None = ..., status: str | None = None
) -> Store:
    """Rename a store, move it to another subsidiary, or change its status (suspend, set read-only,
    reactivate)."""
    errors: dict[str, list[str]] = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 120:
            errors["name"] = [_("A name of 1 to 120 characters.")]
    if status is not None and status not in Store.Status.values:
        errors["status"] = [_("Choose a valid status.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        fields = []
        if name is not None:
            store.name = name
            fields.append("name")
        if subsidiary is not ...:
            store.subsidiary = subsidiary
            fields.append("subsidiary")
        if status is not None:
            store.status = status
            fields.append("status")
        if fields:
            store.save(update_fields=fields)
    return store


def _duplicate_subsidiary(field: str) -> Conflict:
    detail = _("A subsidiary with this name exists.") if field == "name" else _("A subsidiary with this code exists.")
    return Conflict(detail, code=DUPLICATE_SUBSIDIARY, errors={field: [_("Already used.")]})


def subsidiary_create(*, name: str, code: str) -> Subsidiary:
    name = (name or "").strip()
    code = (code or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 120:
        errors["name"] = [_("A name of 1 to 120 characters.")]
    if not SUBSIDIARY_CODE_RE.fullmatch(code):
        errors["code"] = [_("Use 1-40 characters: a-z, 0-9 and inner '-'.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    if Subsidiary.objects.filter(code=code).exists():
        raise _duplicate_subsidiary("code")
    if Subsidiary.objects.filter(name__iexact=name).exists():
        raise _duplicate_subsidiary("name")
    try:
        with transaction.atomic():
            return Subsidiary.objects.create(name=name, code=code)
    except IntegrityError as exc:
        raise _duplicate_subsidiary("code") from exc
