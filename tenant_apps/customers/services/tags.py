"""The store's customer tags: create, rename or recolour, delete."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.customers.error_codes import DuplicateTag
from tenant_apps.customers.models import Tag
from tenant_apps.customers.services.common import _require


def _clean_tag(name: Any, color: Any, *, partial: bool) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    if name is not None or not partial:
        text = name.strip() if isinstance(name, str) else ""
        if not text or len(text) > 40 or "," in text or "，" in text:
            errors["name"] = [_("A name of 1 to 40 characters, without commas.")]
        else:
            clean["name"] = text
    if color is not None:
        text = color.strip() if isinstance(color, str) else None
        if text is None or len(text) > 20:
            errors["color"] = [_("At most %(max)d characters.") % {"max": 20}]
        else:
            clean["color"] = text
    if errors:
        raise ValidationFailed(_("Invalid tag."), errors=errors)
    return clean


def _duplicate_tag() -> DuplicateTag:
    return DuplicateTag(errors={"name": [_("Already used.")]})


def tag_create(*, name: str, access: StoreAccess, color: str = "") -> Tag:
    _require(access, "tags.manage")
    clean = _clean_tag(name, color or "", partial=False)
    if Tag.objects.filter(name__iexact=clean["name"]).exists():
        raise _duplicate_tag()
    try:
        with transaction.atomic():
            return Tag.objects.create(**clean)
    except IntegrityError as exc:
        raise _duplicate_tag() from exc


def tag_update(*, tag: Tag, access: StoreAccess, name: str | None = None, color: str | None = None) -> Tag:
    _require(access, "tags.manage")
    clean = _clean_tag(name, color, partial=True)
    if "name" in clean and Tag.objects.filter(name__iexact=clean["name"]).exclude(pk=tag.pk).exists():
        raise _duplicate_tag()
    for key, value in clean.items():
        setattr(tag, key, value)
    if clean:
        try:
            with transaction.atomic():
                tag.save(update_fields=list(clean))
        except IntegrityError as exc:
            raise _duplicate_tag() from exc
    return tag


def tag_delete(*, tag: Tag, access: StoreAccess) -> None:
    """Delete a tag; the customers that carried it simply lose it."""
    _require(access, "tags.manage")
    tag.delete()
