from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.platform.errors import Conflict, ValidationFailed
from tenant_apps.workspace.models import Channel, StoreSettings


def store_setup(*, channels: Iterable[str]) -> None:
    """Runs inside provisioning with the new store's schema active."""
    StoreSettings.objects.get_or_create(singleton=True)
    for platform in channels:
        channel_create(code=platform, platform=platform)


def channel_create(*, code: str, platform: str, name: str = "") -> Channel:
    code = (code or "").strip().lower()
    errors = {}
    if platform not in Channel.Platform.values:
        errors["platform"] = [_("Choose a valid platform.")]
    if not code or len(code) > 40:
        errors["code"] = [_("A code of 1 to 40 characters is required.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        if Channel.objects.filter(code=code).exists():
            raise Conflict(_("A channel with this code exists."), errors={"code": [_("Already used.")]})
        return Channel.objects.create(code=code, platform=platform, name=name or Channel.Platform(platform).label)
