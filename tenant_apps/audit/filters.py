"""The action log's query filters, read once for the API, the page and HQ's view of a store."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.platform.dates import parse_day_or_moment
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.audit import selectors

ENTRY_FILTERS = ("actor", "object_type", "object_id", "since", "until")
SIGN_IN_FILTERS = ("email", "succeeded", "since", "until")


def _bounds(params, errors: dict) -> dict:
    found = {}
    zone = timezone.get_current_timezone()
    for name, end in (("since", False), ("until", True)):
        value = (params.get(name) or "").strip()
        if value:
            try:
                found[name] = parse_day_or_moment(value, name, tz=zone, end=end)[0]
            except ValidationFailed as exc:
                errors.update(exc.errors)
    if not errors and found.get("since") and found.get("until") and found["since"] >= found["until"]:
        errors["until"] = [_("Must be after since.")]
    return found


def entry_filters(params) -> dict:
    """Keyword arguments of ``selectors.entries`` from query parameters; bad ones → 400."""
    errors: dict[str, list[str]] = {}
    found = _bounds(params, errors)
    actor = (params.get("actor") or "").strip()
    if len(actor) > 254:
        errors["actor"] = [_("A user id or an email address.")]
    elif actor:
        found["actor"] = actor
    object_type = (params.get("object_type") or "").strip().lower()
    if object_type:
        if object_type not in selectors.object_types():
            errors["object_type"] = [
                _("One of: %(types)s.") % {"types": ", ".join(selectors.object_types())},
            ]
        else:
            found["object_type"] = object_type
    object_id = (params.get("object_id") or "").strip()
    if len(object_id) > 40:
        errors["object_id"] = [_("At most 40 characters.")]
    elif object_id:
        found["object_id"] = object_id
    if errors:
        raise ValidationFailed(errors=errors)
    return found


def sign_in_filters(params) -> dict:
    errors: dict[str, list[str]] = {}
    found = _bounds(params, errors)
    email = (params.get("email") or "").strip()
    if len(email) > 254:
        errors["email"] = [_("At most 254 characters.")]
    elif email:
        found["email"] = email
    succeeded = (params.get("succeeded") or "").strip().lower()
    if succeeded in ("true", "1"):
        found["succeeded"] = True
    elif succeeded in ("false", "0"):
        found["succeeded"] = False
    elif succeeded:
        errors["succeeded"] = [_("true or false.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return found
