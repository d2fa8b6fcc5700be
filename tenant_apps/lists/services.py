"""Writes of list preferences (density, columns) and saved views (场景).

Everything is checked against the list's declaration (``shared_apps.platform.listing``): a
column, an ordering or a filter the list does not know is refused with 400 naming the field, and
nothing is written. A saved view is changed or deleted by its owner only; a view shared by
someone else can be used but not changed (403).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from shared_apps.platform.listing import DENSITIES, ListSpec, list_spec
from tenant_apps.lists.error_codes import DuplicateSavedView
from tenant_apps.lists.models import ListPreference, SavedView

NAME_MAX = 60
FILTER_VALUE_MAX = 200


def _spec(key: Any, errors: dict) -> ListSpec | None:
    spec = list_spec(str(key or ""))
    if spec is None:
        errors["list"] = [_("Unknown list.")]
    return spec


def _columns(spec: ListSpec, value: Any, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        errors["columns"] = [_("A list of column keys.")]
        return []
    unknown = [item for item in value if spec.column(item) is None]
    if unknown:
        errors["columns"] = [_("Unknown columns: %(keys)s.") % {"keys": ", ".join(unknown)}]
        return []
    return list(spec.clean_columns(value))


def _check_write(access: StoreAccess) -> None:
    if access.read_only:
        raise PermissionDenied(_("Read-only access."))


def preference_set(*, access: StoreAccess, list_key: Any, data: Any) -> ListPreference:
    """Set the caller's density and/or columns of one list (fields not given stay as they are)."""
    _check_write(access)
    errors: dict[str, list[str]] = {}
    spec = _spec(list_key, errors)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("A JSON object.")]})
    values: dict[str, Any] = {}
    if spec is not None:
        if "density" in data:
            if data["density"] not in DENSITIES:
                errors["density"] = [_("One of: %(values)s.") % {"values": ", ".join(DENSITIES)}]
            else:
                values["density"] = data["density"]
        if "columns" in data:
            values["columns"] = _columns(spec, data["columns"], errors)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        preference, _created = ListPreference.objects.select_for_update().get_or_create(
            user_id=access.user.pk, list_key=spec.key
        )
        for name, value in values.items():
            setattr(preference, name, value)
        preference.save()
    return preference


def _clean_view(spec: ListSpec | None, data: dict, errors: dict, *, partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data or not partial:
        name = data.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > NAME_MAX:
            errors["name"] = [_("At most %(n)s characters.") % {"n": NAME_MAX}]
        values["name"] = name
    if "shared" in data:
        if not isinstance(data["shared"], bool):
            errors["shared"] = [_("true or false.")]
        values["shared"] = data["shared"] is True
    if spec is None:
        return values
    if "filters" in data:
        filters = data["filters"]
        if filters in (None, ""):
            filters = {}
        if not isinstance(filters, dict):
            errors["filters"] = [_("An object of filter values.")]
        else:
            unknown = sorted(k for k in filters if k not in spec.filter_keys)
            bad = sorted(k for k, v in filters.items() if not isinstance(v, str) or len(v) > FILTER_VALUE_MAX)
            if unknown:
                errors["filters"] = [
                    _("Unknown filters: %(keys)s. Known: %(known)s.")
                    % {"keys": ", ".join(unknown), "known": ", ".join(spec.filter_keys)}
                ]
            elif bad:
                errors["filters"] = [_("Filter values are text: %(keys)s.") % {"keys": ", ".join(bad)}]
            else:
                values["filters"] = {k: v for k, v in filters.items() if v != ""}
    if "columns" in data:
        values["columns"] = _columns(spec, data["columns"], errors)
    if "ordering" in data:
        ordering = data["ordering"] or ""
        if ordering and (not isinstance(ordering, str) or not spec.valid_ordering(ordering)):
            errors["ordering"] = [_("Order by one of: %(fields)s.") % {"fields": ", ".join(spec.sort_values)}]
        else:
            values["ordering"] = ordering
    return values


def _save(view: SavedView) -> SavedView:
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise DuplicateSavedView(errors={"name": [str(DuplicateSavedView.default_title)]}) from None
    return view


def saved_view_create(*, access: StoreAccess, data: Any) -> SavedView:
    _check_write(access)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("A JSON object.")]})
    errors: dict[str, list[str]] = {}
    spec = _spec(data.get("list"), errors)
    values = _clean_view(spec, data, errors, partial=False)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    return _save(SavedView(owner_id=access.user.pk, list_key=spec.key, **values))


def _own(access: StoreAccess, view: SavedView) -> None:
    _check_write(access)
    if view.owner_id != access.user.pk:
        raise PermissionDenied(_("Only the person who saved this view may change it."))


def saved_view_update(*, access: StoreAccess, view: SavedView, data: Any) -> SavedView:
    _own(access, view)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("A JSON object.")]})
    errors: dict[str, list[str]] = {}
    values = _clean_view(list_spec(view.list_key), data, errors, partial=True)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    for name, value in values.items():
        setattr(view, name, value)
    return _save(view)


def saved_view_delete(*, access: StoreAccess, view: SavedView) -> None:
    _own(access, view)
    view.delete()
