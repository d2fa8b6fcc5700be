"""Reads of enquiry statistics. Daily enquiries are store-wide; contact records are scoped like
customers: a salesperson sees their own, a supervisor their team, admins and finance the store."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.platform.dates import parse_day
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry, Screenshot


def _day(value, field: str) -> date:
    return parse_day(value, field)


def _dates(qs, filters: dict):
    if filters.get("start"):
        qs = qs.filter(date__gte=_day(filters["start"], "start"))
    if filters.get("end"):
        qs = qs.filter(date__lte=_day(filters["end"], "end"))
    return qs


def daily_enquiry_list(*, filters: dict | None = None) -> QuerySet[DailyEnquiry]:
    filters = filters or {}
    qs = _dates(DailyEnquiry.objects.select_related("channel"), filters)
    channel = filters.get("channel")
    if channel not in (None, ""):
        value = str(channel)
        qs = qs.filter(channel_id=int(value)) if value.isdigit() and len(value) < 19 else qs.filter(channel__code=value)
    return qs.order_by("-date", "channel__name")


def contact_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[ContactRecord]:
    filters = filters or {}
    qs = _dates(ContactRecord.objects.annotate(screenshot_count=Count("screenshots")), filters)
    owners = visible_owner_ids(access)
    if owners is not None:
        qs = qs.filter(user_id__in=owners)
    user = filters.get("user")
    if user not in (None, ""):
        try:
            qs = qs.filter(user_id=int(str(user)))
        except ValueError:
            raise ValidationFailed(errors={"user": [_("Enter a user id.")]}) from None
    return qs.prefetch_related("screenshots").order_by("-date", "user_id")


def contact_get(*, access: StoreAccess, user, day) -> ContactRecord | None:
    return contact_list(access=access).filter(user=user, date=day).first()


def screenshot_get_for_user(*, screenshot_id, access: StoreAccess) -> Screenshot:
    """A screenshot whose contact record the caller may see; otherwise 404 (not found = not yours)."""
    try:
        pk = int(screenshot_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such file.")) from None
    shot = Screenshot.objects.select_related("record").filter(pk=pk).first()
    owners = visible_owner_ids(access)
    if shot is None or (owners is not None and shot.record.user_id not in owners):
        raise NotFound(_("No such file."))
    return shot
