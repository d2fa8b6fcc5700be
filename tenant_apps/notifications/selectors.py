"""Reads of notifications. A user only ever sees their own."""

from __future__ import annotations

from datetime import timedelta

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


def digests_due_sql(schema: str, *, window: timedelta) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while a digest waits for its
    email and was made at least ``window`` before ``%(at)s`` (the ``notif_digest_due`` index):
    what ``services.send_digests`` emails, as its probe in beat's dispatch. A digest to someone
    without an email address is never wanted by email (``notify`` records ``email_skipped``), and
    one whose recipient lost their address or was deactivated since is settled by the sender's
    next run: neither keeps a store due."""
    seconds = int(window.total_seconds())
    return f"""EXISTS (
        SELECT 1 FROM {schema}.{Notification._meta.db_table}
         WHERE email_wanted AND emailed_at IS NULL
           AND created_at <= %(at)s::timestamptz - make_interval(secs => {seconds}))"""
