"""Notifications: the one service every module calls to tell people something.

``notify`` writes rows in the current store's schema inside the caller's transaction and, when
asked, queues the email only after that transaction commits (side effects after commit).

Titles and bodies may be lazy translations (``gettext_lazy`` / ``format_lazy``): each recipient's
copy is rendered in that recipient's language (``User.language``), else in the active language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shared_apps.accounts.models import Membership, User
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.notifications.models import Notification
from tenants.models import Store
from tenants.routing import store_url

logger = logging.getLogger(__name__)

KIND_MAX_LENGTH = 64
TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500
PURGE_READ_AFTER_DAYS = 90


def _current_store_schema() -> str:
    schema = connection.schema_name
    if schema in (settings.PUBLIC_SCHEMA_NAME, settings.TENANT_TEMPLATE_SCHEMA):
        raise RuntimeError("notifications belong to a store: activate the store's schema first")
    return schema


def _recipient_ids(recipients: Iterable[User | int]) -> list[int]:
    ids: list[int] = []
    for recipient in recipients:
        pk = recipient if isinstance(recipient, int) else getattr(recipient, "pk", None)
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids


def _validate(*, kind: str, url: str) -> None:
    errors: dict[str, list[str]] = {}
    if not kind or len(kind) > KIND_MAX_LENGTH:
        errors["kind"] = [_("A kind of 1 to %(max)d characters is required.") % {"max": KIND_MAX_LENGTH}]
    # A link inside the store: a path on the store's own host, never another site.
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > URL_MAX_LENGTH):
        errors["url"] = [_("The link must be a path inside the store, such as /customers/12/.")]
    if errors:
        raise ValidationFailed(_("Invalid notification."), errors=errors)


def _render(text: Any, language: str) -> str:
    if not language:
        return str(text)
    with translation.override(language):
        return str(text)


def notify(
    *,
    recipients: Iterable[User | int],
    kind: str,
    title: Any,
    body: Any = "",
    url: str = "",
    data: dict | None = None,
    email: bool = False,
) -> list[Notification]:
    """Notify ``recipients`` (users or user ids) in the current store.

    Only active members of the current store receive anything; anyone else is skipped, so a
    module can never reach a user of another store. Returns the notifications created.
    """
    schema = _current_store_schema()
    _validate(kind=kind, url=url)
    ids = _recipient_ids(recipients)
    if not ids:
        return []
    members = {
        user.pk: user
        for user in User.objects.filter(
            pk__in=Membership.objects.filter(store__schema_name=schema, is_active=True, user_id__in=ids).values(
                "user_id"
            ),
            is_active=True,
        ).only("id", "language")
    }
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=_render(title, members[pk].language)[:TITLE_MAX_LENGTH],
            body=_render(body, members[pk].language),
            url=url,
            data=data or {},
            created_at=now,
        )
        for pk in ids
        if pk in members
    ]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
    if email and created:
        notification_ids = [n.pk for n in created]
        transaction.on_commit(lambda: _queue_emails(schema=schema, notification_ids=notification_ids))
    return created


def _queue_emails(*, schema: str, notification_ids: list[int]) -> None:
    from tenant_apps.notifications.tasks import send_notification_emails

    # The schema is named explicitly: the commit may happen after the caller left the store's schema.
    send_notification_emails.apply_async(args=[notification_ids], headers={"_schema_name": schema})


def mark_read(*, user: User, ids: Iterable[int] | None = None, at: datetime | None = None) -> int:
    """Mark the user's unread notifications (all, or those of ``ids``) read. Others' ids are ignored."""
    qs = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=at or timezone.now())


def _current_store() -> Store | None:
    return Store.objects.filter(schema_name=connection.schema_name).only("name", "subdomain").first()


def _store_link(store: Store | None, url: str) -> str:
    if not url or store is None:
        return ""
    return store_url(store.subdomain).rstrip("/") + url


def email_notification(*, notification_id: int) -> bool:
    """Send one notification by email unless it was already sent. Returns True when sent.

    The row is locked while sending, so two workers never send the same notification; a failure
    to send leaves ``emailed_at`` empty for the retry.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        if not recipient.email or not recipient.is_active:
            return False
        store = _current_store()
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


def purge_read(*, at: datetime, days: int = PURGE_READ_AFTER_DAYS) -> int:
    """Delete notifications read more than ``days`` before ``at``, and those of deleted users."""
    cutoff = at - timedelta(days=days)
    with transaction.atomic():
        read, _detail = Notification.objects.filter(read_at__lt=cutoff).delete()
        orphans, _detail = Notification.objects.exclude(recipient_id__in=User.objects.values("pk")).delete()
    return read + orphans
