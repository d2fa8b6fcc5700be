"""The store's webhook endpoints: every field checked at once, a secret made for each."""

from __future__ import annotations

import base64
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.webhooks import targets
from tenant_apps.webhooks.models import Endpoint
from tenant_apps.webhooks.services.common import _after_commit_deliver, _int, subscribable_types

DESCRIPTION_MAX = 200
URL_MAX = 500


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _clean(data: dict, *, partial: bool) -> dict:
    """Every field's errors at once (ValidationFailed), or the clean values given."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."))
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    if "url" in data or not partial:
        url = data.get("url")
        if not isinstance(url, str) or not url.strip():
            errors["url"] = [_("A URL is required.")]
        elif len(url.strip()) > URL_MAX:
            errors["url"] = [_("At most %(n)d characters.") % {"n": URL_MAX}]
        else:
            try:
                targets.check_literal(url.strip())
            except targets.TargetRefused as exc:
                errors["url"] = [str(exc)]
            else:
                clean["url"] = url.strip()
    if "events" in data or not partial:
        value = data.get("events")
        allowed = subscribable_types()
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            errors["events"] = [_('A list of event types, or ["*"] for every type.')]
        else:
            unknown = sorted({v for v in value if v != "*" and v not in allowed})
            if unknown:
                errors["events"] = [
                    _("Unknown event types: %(unknown)s. Allowed: *, %(allowed)s.")
                    % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}
                ]
            else:
                clean["events"] = ["*"] if "*" in value else sorted(set(value))
    if "description" in data:
        text = data.get("description")
        if text is None:
            text = ""
        if not isinstance(text, str):
            errors["description"] = [_("Text expected.")]
        elif len(text) > DESCRIPTION_MAX:
            errors["description"] = [_("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}]
        else:
            clean["description"] = text.strip()
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = [_("true or false.")]
        else:
            clean["active"] = data["active"]
    if errors:
        extra = {"allowed_events": ["*", *subscribable_types()]} if "events" in errors else None
        raise ValidationFailed(_("Some fields are not valid."), errors=errors, extra=extra)
    return clean


def endpoint_create(*, data: dict, access: StoreAccess | None = None) -> Endpoint:
    clean = _clean(data, partial=False)
    clean.pop("active", None)
    created_by_id = access.user.pk if access is not None else None
    return Endpoint.objects.create(**clean, secret=new_secret(), created_by_id=created_by_id)


def endpoint_get(*, endpoint_id) -> Endpoint:
    endpoint = Endpoint.objects.filter(pk=_int(endpoint_id)).first()
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


def endpoint_update(*, endpoint_id, data: dict) -> Endpoint:
    clean = _clean(data, partial=True)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().filter(pk=_int(endpoint_id)).first()
        if endpoint is None:
            raise NotFound(_("No such webhook endpoint."))
        if clean.get("active") and not endpoint.active:
            # Switched on again by hand: a fresh start for the failure clock.
            endpoint.disabled_reason = ""
            endpoint.failing_since = None
        for key, value in clean.items():
            setattr(endpoint, key, value)
        endpoint.save()
    if endpoint.active:
        _after_commit_deliver({endpoint.pk})
    return endpoint


def endpoint_delete(*, endpoint_id) -> None:
    endpoint_get(endpoint_id=endpoint_id).delete()
