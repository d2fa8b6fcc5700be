"""Notifications by email: one at a time under a lock, digests once their window closes; purging read ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from shared_apps.accounts.models import User
from tenant_apps.notifications.models import Notification
from tenant_apps.notifications.services.common import digest_window
from tenants.models import Store
from tenants.routing import store_url
from tenants.storetime import current_store

PURGE_READ_AFTER_DAYS = 90


def _store_link(store: Store | None, url: str) -> str:
    if not url or store is None:
        return ""
    return store_url(store.subdomain).rstrip("/") + url


def _unreachable(recipient: User | None) -> str:
    """Why ``recipient`` cannot be emailed (an ``EmailSkipped`` value), or "" when they can."""
    if recipient is None or not recipient.is_active:
        return Notification.EmailSkipped.INACTIVE
    if not recipient.email:
        return Notification.EmailSkipped.NO_ADDRESS
    return ""


def email_notification(*, notification_id: int) -> bool:
    """Send one notification by email unless it was already sent. Returns True when sent.

    The row is locked while sending, so two workers never send the same notification; a failure
    to send leaves ``emailed_at`` empty for the retry. A recipient who cannot be emailed (no
    address, an inactive or removed user) is not an error: the row records why
    (``email_skipped``) and is no longer wanted by email, so a digest never stays due for it.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(pk=notification_id, emailed_at__isnull=True).first()
        )
        if notification is None:
            return False
        recipient = User.objects.filter(pk=notification.recipient_id).first()
        reason = _unreachable(recipient)
        if reason:
            notification.email_wanted = False
            notification.email_skipped = reason
            notification.save(update_fields=["email_wanted", "email_skipped"])
            return False
        store = current_store()
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            context = {
                "notification": notification,
                "recipient": recipient,
                "store_name": store.name if store else "",
                "link": _store_link(store, notification.url),
            }
            subject = render_to_string("notifications/email_subject.txt", context)
            text = render_to_string("notifications/email_body.txt", context)
        message = EmailMessage(
            subject=" ".join(subject.split()),
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
        )
        message.send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def email_notifications(*, notification_ids: Iterable[int]) -> int:
    """Email each notification not yet emailed. Returns how many were sent."""
    return sum(email_notification(notification_id=pk) for pk in notification_ids)


def send_digests(*, at: datetime) -> int:
    """Email the digests whose window has closed (made at least the window before ``at``).

    A digest whose recipient cannot be emailed any more (no address, inactive or removed since it
    was made) is settled instead: ``email_skipped`` says why and ``email_wanted`` is cleared, so
    the store is not due again for it (``selectors.digests_due_sql``). It is not sent later should
    the person get an address back: it stays in the app, as every notification does."""
    due = Notification.objects.filter(
        email_wanted=True, emailed_at__isnull=True, created_at__lte=at - digest_window()
    ).values_list("pk", flat=True)
    return email_notifications(notification_ids=list(due))


def purge_read(*, at: datetime, days: int = PURGE_READ_AFTER_DAYS) -> int:
    """Delete notifications read more than ``days`` before ``at``, and those of deleted users."""
    cutoff = at - timedelta(days=days)
    with transaction.atomic():
        read, _detail = Notification.objects.filter(read_at__lt=cutoff).delete()
        orphans, _detail = Notification.objects.exclude(recipient_id__in=User.objects.values("pk")).delete()
    return read + orphans
