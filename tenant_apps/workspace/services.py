"""Writes on the store's basics: setup at provisioning, channels, store policies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.platform.errors import Conflict, ValidationFailed
from shared_apps.platform.policies import DISCOUNT_THRESHOLD_PLACES as POLICY_DISCOUNT_PLACES
from shared_apps.platform.policies import POLICY_FIELDS, POLICY_INT_LIMITS, clean_policy_changes
from tenant_apps.workspace.models import Channel, StoreSettings
from tenant_apps.workspace.selectors import store_settings_get

DUPLICATE_CHANNEL = "duplicate_channel"


def store_setup(*, channels: Iterable[str]) -> None:
    """Runs inside provisioning with the new store's schema active."""
    StoreSettings.objects.get_or_create(singleton=True)
    for platform in channels:
        channel_create(code=platform, platform=platform)


def _duplicate_channel() -> Conflict:
    return Conflict(
        _("A channel with this code exists."), code=DUPLICATE_CHANNEL, errors={"code": [_("Already used.")]}
    )


def channel_create(*, code: str, platform: str, name: str = "") -> Channel:
    code = (code or "").strip().lower()
    name = (name or "").strip()
    errors = {}
    if platform not in Channel.Platform.values:
        errors["platform"] = [_("Choose a valid platform.")]
    if not code or len(code) > 40:
        errors["code"] = [_("A code of 1 to 40 characters is required.")]
    if len(name) > 120:
        errors["name"] = [_("At most 120 characters.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    if Channel.objects.filter(code=code).exists():
        raise _duplicate_channel()
    try:
        with transaction.atomic():
            return Channel.objects.create(code=code, platform=platform, name=name or Channel.Platform(platform).label)
    except IntegrityError as exc:  # created concurrently
        raise _duplicate_channel() from exc


def channel_update(*, channel: Channel, name: str | None = None, is_active: bool | None = None) -> Channel:
    fields = []
    if name is not None:
        name = name.strip()
        if not name or len(name) > 120:
            raise ValidationFailed(_("Invalid input."), errors={"name": [_("A name of 1 to 120 characters.")]})
        channel.name = name
        fields.append("name")
    if is_active is not None:
        channel.is_active = is_active
        fields.append("is_active")
    if fields:
        channel.save(update_fields=fields)
    return channel


# The store policies an admin may change, with their bounds (inclusive): the same as HQ's defaults.
SETTINGS_INT_LIMITS: dict[str, tuple[int, int]] = POLICY_INT_LIMITS
DISCOUNT_THRESHOLD_PLACES = POLICY_DISCOUNT_PLACES
SETTINGS_FIELDS = POLICY_FIELDS


def store_settings_update(*, reset: Iterable[str] = (), **changes: Any) -> StoreSettings:
    """Change some store policies; each field changed becomes the store's own (overridden), and
    the fields in ``reset`` go back to following HQ's company default. Every value is checked
    first; on any error nothing is saved. Returns the effective settings."""
    clean = clean_policy_changes(changes)
    reset = list(reset or [])
    errors: dict[str, list[str]] = {}
    unknown = [field for field in reset if field not in SETTINGS_FIELDS]
    if unknown:
        errors["reset"] = [_("Unknown setting: %(fields)s.") % {"fields": ", ".join(map(str, unknown))}]
    both = [field for field in reset if field in clean]
    if both:
        errors["reset"] = [
            _("A setting cannot be changed and reset at once: %(fields)s.") % {"fields": ", ".join(both)}
        ]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        settings_row, _created = StoreSettings.objects.select_for_update().get_or_create(singleton=True)
        overrides = [field for field in SETTINGS_FIELDS if field in set(settings_row.overrides or []) | set(clean)]
        overrides = [field for field in overrides if field not in reset]
        for field, value in clean.items():
            setattr(settings_row, field, value)
        if clean or overrides != list(settings_row.overrides or []):
            settings_row.overrides = overrides
            settings_row.save(update_fields=[*clean, "overrides", "updated_at"])
    return store_settings_get()


LETTERHEAD_FIELDS = (
    "company_name",
    "address",
    "contact_person",
    "phone",
    "email",
    "tax_number",
    "bank_name",
    "bank_account",
    "tax_note",
    "terms",
)
LOGO_MAX_BYTES = 2 * 1024 * 1024


def letterhead_update(*, values: dict, logo=None, remove_logo: bool = False):
    """Save the store's letterhead. ``logo``: a JPEG, PNG or WebP image of at most 2 MB, recognised
    by its content (nothing is written when it is refused)."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.files import File

    from shared_apps.platform import uploads
    from tenant_apps.workspace.models import Letterhead

    logo_kind = None
    if logo:
        logo_kind = uploads.sniff(uploads.read_head(logo), pdf=False)
        if logo_kind is None or uploads.size_of(logo) > LOGO_MAX_BYTES:
            message = _("The logo must be a JPEG, PNG or WebP image of at most 2 MB.")
            raise ValidationFailed(message, errors={"logo": [message]})
    with transaction.atomic():
        letterhead, _created = Letterhead.objects.select_for_update().get_or_create(singleton=True)
        for name in LETTERHEAD_FIELDS:
            if name in values:
                setattr(letterhead, name, (values[name] or "").strip())
        if remove_logo:
            letterhead.logo = ""
        if logo_kind is not None:
            letterhead.store_prefix = uploads.store_prefix()
            letterhead.stored_name = uploads.stored_name(logo_kind[1])
            logo.seek(0)
            content = logo if isinstance(logo, File) else File(logo, name=letterhead.stored_name)
            letterhead.logo.save(letterhead.stored_name, content, save=False)
        try:
            letterhead.full_clean(exclude=["logo"])
        except DjangoValidationError as exc:
            raise ValidationFailed(_("Invalid input."), errors=exc.message_dict) from None
        letterhead.save()
    return letterhead
