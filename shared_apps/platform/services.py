"""Writes on public-schema records with no store data: company policies and HQ announcements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.models import CompanyPolicy, HqAnnouncement
from shared_apps.platform.policies import clean_policy_changes
from tenants.models import Store

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000


def company_policy_update(*, by, **changes: Any) -> CompanyPolicy:
    """Change company-wide defaults. Every value is checked first; on any error nothing is saved.
    Stores that do not override a field use the new value from their next read."""
    clean = clean_policy_changes(changes)
    with transaction.atomic():
        policy, _created = CompanyPolicy.objects.select_for_update().get_or_create(singleton=True)
        for field, value in clean.items():
            setattr(policy, field, value)
        policy.updated_by = by
        policy.save()
    return policy


def hq_announcement_create(
    *, title: str, body: str = "", by, all_stores: bool = False, store_ids: Iterable[int] = ()
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
        announcement = HqAnnouncement.objects.create(title=title, body=body, all_stores=all_stores, created_by=by)
        if ids:
            announcement.stores.set(ids)
    return announcement
