"""Reads of public-schema records with no store data: company policies and HQ announcements."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shared_apps.platform.errors import NotFound
from shared_apps.platform.models import CompanyPolicy, HqAnnouncement


def company_policy_get() -> CompanyPolicy:
    """The company-wide default policies; the built-in defaults (unsaved) when HQ never set them."""
    return CompanyPolicy.objects.filter(singleton=True).first() or CompanyPolicy()


def hq_announcement_list() -> QuerySet[HqAnnouncement]:
    return HqAnnouncement.objects.select_related("created_by").prefetch_related("stores").order_by("-created_at", "-pk")


def hq_announcement_get(*, announcement_id) -> HqAnnouncement:
    try:
        announcement_id = int(announcement_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such announcement.")) from None
    announcement = hq_announcement_list().filter(pk=announcement_id).first()
    if announcement is None:
        raise NotFound(_("No such announcement."))
    return announcement


def hq_announcements_for_store(*, store_id: int) -> QuerySet[HqAnnouncement]:
    """HQ announcements addressed to the store ``store_id`` (to all stores, or to it by name)."""
    addressed = HqAnnouncement.objects.filter(stores__id=store_id).values("pk")
    return (
        HqAnnouncement.objects.filter(Q(all_stores=True) | Q(pk__in=addressed))
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
