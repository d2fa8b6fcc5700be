"""Reads of the store's basics: channels and policies. Run with the store's schema active."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shared_apps.platform.errors import NotFound
from tenant_apps.workspace.models import Channel, StoreSettings


def channel_list(*, active_only: bool = False) -> QuerySet[Channel]:
    qs = Channel.objects.all().order_by("name", "pk")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def channel_get(*, channel_id) -> Channel:
    try:
        channel_id = int(channel_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such channel.")) from None
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(_("No such channel."))
    return channel


def store_settings_get() -> StoreSettings:
    """The store's policies; the defaults (unsaved) when the row was never written."""
    return StoreSettings.objects.filter(singleton=True).first() or StoreSettings()
