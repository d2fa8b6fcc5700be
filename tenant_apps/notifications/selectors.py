"""Reads of notifications. A user only ever sees their own."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import NotFound
from tenant_apps.notifications.models import Notification, SmsTemplate


def notifications_for(*, access: StoreAccess, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=access.user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, access: StoreAccess | None) -> int:
    if access is None:
        return 0
    return Notification.objects.filter(recipient_id=access.user.pk, read_at__isnull=True).count()


def sms_template_list() -> QuerySet[SmsTemplate]:
    """The store's SMS templates, by code."""
    return SmsTemplate.objects.order_by("code", "pk")


def sms_template_get(*, template_id, for_update: bool = False) -> SmsTemplate:
    qs = SmsTemplate.objects.select_for_update() if for_update else SmsTemplate.objects
    try:
        return qs.get(pk=int(template_id))
    except (SmsTemplate.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such SMS template.")) from None
