"""The checks of a customer's profile data, shared by create, update and the import batch.

``_validate`` checks every given field and gathers every problem before it refuses;
``_References`` answers its look-ups of channels, tags and owners, once for a whole batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.accounts.models import Membership
from shared_apps.accounts.roles import Scope
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.fields import Errors, clean_text_fields
from tenant_apps.customers.models import Grade, Intention, Tag
from tenant_apps.customers.services.common import OWNER_ROLES, _parse_time, clean_mobile
from tenant_apps.workspace.selectors import channel_list

PREFERENCES_MAX_ITEMS = 50

# Plain text fields of the profile and their maximum lengths (the model's).
TEXT_FIELDS: dict[str, int] = {
    "name": 120,
    "company": 200,
    "wechat_id": 64,
    "platform_chat_id": 64,
    "province": 40,
    "city": 60,
    "address": 300,
    "intention_note": 300,
}
CUSTOMER_FIELDS = (
    *TEXT_FIELDS,
    "mobile",
    "channel",
    "tags",
    "grade",
    "product_preferences",
    "intention_level",
    "owner",
    "next_follow_up_at",
)


def _tag_names(value: Any) -> list[str]:
    if isinstance(value, str):
        items: Iterable[Any] = value.replace("，", ",").split(",")
    elif isinstance(value, (list, tuple, set)):
        items = value
    else:
        raise ValueError
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError
        name = item.strip()
        if name and name not in names:
            names.append(name)
    return names


class _References:
    """The channels, tags and possible owners that customer data names, as validation checks them.

    Used as it is, each look-up is one query (one customer); ``preload`` loads what a batch of rows
    names once, so that validating the batch costs the same few queries whatever its size.
    """

    _UNSET: Any = object()

    def __init__(self, access: StoreAccess) -> None:
        self.access = access
        self._channels: dict[str, Any] | None = None
        self._tags: dict[str, Tag | None] = {}
        self._owner_ids: set[int] | None = None
        self._visible_owners: Any = self._UNSET

    def preload(self, rows: Iterable[Any]) -> None:
        names: set[str] = set()
        owners = False
        for data in rows:
            if not isinstance(data, dict):
                continue
            owners = owners or data.get("owner") not in (None, "")
            if data.get("tags"):
                with contextlib.suppress(ValueError):  # validation reports it
                    names.update(_tag_names(data["tags"]))
        self._channels = {}
        for channel in channel_list():  # in the order of channel_list().filter(code=...).first()
            self._channels.setdefault(channel.code, channel)
        if names:
            self.tags(sorted(names))
        if owners:
            self._owner_ids = set(_owner_candidates(self.access).values_list("user_id", flat=True))
            self.visible_owners()

    def channel(self, code: str) -> Any:
        """The Channel of ``code``, or None."""
        if self._channels is None:
            return channel_list().filter(code=code).first()
        return self._channels.get(code)

    def tags(self, names: list[str]) -> dict[str, Tag]:
        """The existing tags among ``names``, by name."""
        missing = [name for name in names if name not in self._tags]
        if missing:
            found = {tag.name: tag for tag in Tag.objects.filter(name__in=missing)}
            for name in missing:
                self._tags[name] = found.get(name)
        return {name: tag for name in names if (tag := self._tags[name]) is not None}

    def is_owner_candidate(self, user_id: int) -> bool:
        """Is the user an active salesperson or supervisor of the store?"""
        if self._owner_ids is None:
            return _owner_candidates(self.access).filter(user_id=user_id).exists()
        return user_id in self._owner_ids

    def visible_owners(self) -> set[int] | None:
        if self._visible_owners is self._UNSET:
            self._visible_owners = visible_owner_ids(self.access)
        return self._visible_owners


def _owner_candidates(access: StoreAccess):
    return Membership.objects.filter(
        store_id=access.store_id, is_active=True, role__in=OWNER_ROLES, user__is_active=True
    )


def _resolve_owner(access: StoreAccess, value: Any, errors: dict[str, list[str]], refs: _References) -> int | None:
    """The owner id asked for (``value`` a user, an id or None), checked against the actor's rights."""
    owner_id = getattr(value, "pk", value)
    if owner_id in (None, ""):
        if access.scope == Scope.OWN:
            errors["owner"] = [_("A salesperson keeps the customers they create.")]
        return None
    try:
        owner_id = int(owner_id)
    except (TypeError, ValueError):
        errors["owner"] = [_("A user id.")]
        return None
    if access.scope == Scope.OWN and owner_id != access.user.pk:
        errors["owner"] = [_("A salesperson keeps the customers they create.")]
        return None
    is_member = refs.is_owner_candidate(owner_id)
    owners = refs.visible_owners()
    if not is_member or (owners is not None and owner_id not in owners):
        errors["owner"] = [_("Choose an active salesperson or supervisor of your team.")]
        return None
    return owner_id


# --- one check per field: each reads ``data``, puts its value in ``clean`` or its message in
# ``errors``, and does nothing when the field is not given (unless noted).


def _clean_mobile(data: dict[str, Any], clean: dict[str, Any], errors: Errors) -> None:
    if "mobile" in data:
        clean_mobile(data["mobile"], clean=clean, errors=errors)


def _clean_channel(data: dict[str, Any], clean: dict[str, Any], errors: Errors, refs: _References) -> None:
    if "channel" not in data:
        return
    code = data["channel"]
    code = getattr(code, "code", code)
    if code in (None, ""):
        clean["channel"] = None
        return
    channel = refs.channel(str(code).strip().lower())
    if channel is None:
        errors["channel"] = [_("Unknown channel: %(code)s.") % {"code": code}]
    else:
        clean["channel"] = channel


def _clean_tags(data: dict[str, Any], clean: dict[str, Any], errors: Errors, refs: _References) -> None:
    if "tags" not in data:
        return
    try:
        names = _tag_names(data["tags"] if data["tags"] is not None else [])
    except ValueError:
        errors["tags"] = [_("A list of tag names is expected.")]
        return
    found = refs.tags(names)
    unknown = [name for name in names if name not in found]
    if unknown:
        errors["tags"] = [_("Unknown tag: %(name)s.") % {"name": name} for name in unknown]
    else:
        clean["tags"] = [found[name] for name in names]


def _clean_grade(data: dict[str, Any], clean: dict[str, Any], errors: Errors, *, creating: bool) -> None:
    """A new customer without a grade is graded C."""
    if "grade" not in data and not creating:
        return
    grade = str(data.get("grade") or "").strip().upper()
    if not grade and creating:
        grade = Grade.C
    if grade not in Grade.values:
        errors["grade"] = [_("One of A, B, C, D.")]
    else:
        clean["grade"] = grade


def _clean_intention_level(data: dict[str, Any], clean: dict[str, Any], errors: Errors) -> None:
    if "intention_level" not in data:
        return
    level = str(data["intention_level"] or "").strip().lower()
    if level and level not in Intention.values:
        errors["intention_level"] = [_("One of high, medium, low (or empty).")]
    else:
        clean["intention_level"] = level


def _clean_product_preferences(data: dict[str, Any], clean: dict[str, Any], errors: Errors) -> None:
    if "product_preferences" not in data:
        return
    prefs = data["product_preferences"]
    if prefs is None:
        prefs = []
    if (
        not isinstance(prefs, list)
        or len(prefs) > PREFERENCES_MAX_ITEMS
        or not all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in prefs)
        or any(isinstance(p, str) and len(p) > 100 for p in prefs)
    ):
        errors["product_preferences"] = [
            _("A list of at most %(max)d product ids or category names.") % {"max": PREFERENCES_MAX_ITEMS}
        ]
    else:
        clean["product_preferences"] = [p.strip() if isinstance(p, str) else p for p in prefs]


def _clean_next_follow_up_at(data: dict[str, Any], clean: dict[str, Any], errors: Errors) -> None:
    if "next_follow_up_at" not in data:
        return
    value = data["next_follow_up_at"]
    if value in (None, ""):
        clean["next_follow_up_at"] = None
        return
    try:
        clean["next_follow_up_at"] = _parse_time(value)
    except (TypeError, ValueError):
        errors["next_follow_up_at"] = [_("A date and time, such as 2025-03-01T09:00+08:00.")]


def _clean_owner(
    data: dict[str, Any], clean: dict[str, Any], errors: Errors, *, access: StoreAccess, refs: _References
) -> None:
    if "owner" not in data:
        return
    owner_id = _resolve_owner(access, data["owner"], errors, refs)
    if "owner" not in errors:
        clean["owner_id"] = owner_id


def _validate(
    data: dict[str, Any], *, access: StoreAccess, creating: bool, refs: _References | None = None
) -> dict[str, Any]:
    """Check every given field; return the cleaned values (``tags`` as Tag objects, ``channel`` as
    a Channel or None, ``mobile_normalized`` next to ``mobile``). Raises with all errors at once.
    ``refs`` answers the look-ups of channels, tags and owners (preloaded for a batch)."""
    refs = refs or _References(access)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("An object is expected.")]})
    errors: Errors = {str(key): [_("Unknown field.")] for key in data if key not in CUSTOMER_FIELDS}
    clean: dict[str, Any] = clean_text_fields(data, TEXT_FIELDS, errors=errors, given_only=True)
    if (creating or "name" in data) and not clean.get("name") and "name" not in errors:
        errors["name"] = [_("A name is required.")]
    _clean_mobile(data, clean, errors)
    _clean_channel(data, clean, errors, refs)
    _clean_tags(data, clean, errors, refs)
    _clean_grade(data, clean, errors, creating=creating)
    _clean_intention_level(data, clean, errors)
    _clean_product_preferences(data, clean, errors)
    _clean_next_follow_up_at(data, clean, errors)
    _clean_owner(data, clean, errors, access=access, refs=refs)
    if errors:
        raise ValidationFailed(_("Invalid customer."), errors=errors)
    return clean
