"""Reads of the store's basics: channels and policies. Run with the store's schema active."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hq_console.selectors import company_policy_get
from shared_apps.platform.errors import NotFound
from shared_apps.platform.policies import POLICY_FIELDS
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
    """The store's effective policies: its own value for each field it overrides, HQ's company
    default for every other one (the built-in defaults when neither was ever written).

    Every module reads policies through this. The result also carries ``inherited``: the policy
    fields that follow HQ. It is for reading; writes go through ``store_settings_update``.
    """
    row = StoreSettings.objects.filter(singleton=True).first() or StoreSettings()
    company = company_policy_get()
    overrides = set(row.overrides or [])
    inherited = [field for field in POLICY_FIELDS if field not in overrides]
    for field in inherited:
        setattr(row, field, getattr(company, field))
    row.inherited = inherited
    return row


def letterhead_get():
    """The store's letterhead (an empty one until a store admin fills it in)."""
    from tenant_apps.workspace.models import Letterhead

    return Letterhead.objects.filter(singleton=True).first() or Letterhead()
