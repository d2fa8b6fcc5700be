"""Notifying members: in-app rows, digests folded together, email wanted or queued after commit; marking them read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.models import Membership, User
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.notifications import kinds, messages
from tenant_apps.notifications.models import Notification, NotificationPreference
from tenant_apps.notifications.services.common import _current_store_schema, _recipient_ids, digest_window

KIND_MAX_LENGTH = 64
TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500
DIGEST_ITEMS_KEPT = 50
DIGEST_ITEMS_SHOWN = 10


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


def _wants_email(*, kind: str, ids: list[int], default: bool | None) -> set[int]:
    """Recipients whose copy of ``kind`` also goes by email: their own choice, else the kind's
    default, else the caller's."""
    declared = kinds.get(kind)
    fallback = declared.email if declared is not None else bool(default)
    chosen = dict(NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "email"))
    return {pk for pk in ids if chosen.get(pk, fallback)}


def _fold(
    row: Notification, *, kind: str, title: Any, url: str, data: dict, language: str, now: datetime
) -> Notification:
    """Fold one more notification into ``row``, which then reads as a digest of ``count`` of them;
    ``data["items"]`` keeps each one's title, link and data (the latest ``DIGEST_ITEMS_KEPT``), and
    ``message["items"]`` each one's title as message ids."""
    message = row.message or {}
    items = row.data.get("items") if row.count > 1 else [{"title": row.title, "url": row.url, "data": row.data}]
    items = ([*(items or []), {"title": _render(title, language), "url": url, "data": data}])[-DIGEST_ITEMS_KEPT:]
    encoded = message.get("items") if row.count > 1 else [message.get("title") or row.title]
    encoded = ([*(encoded or []), messages.encode(title)])[-DIGEST_ITEMS_KEPT:]
    row.count += 1
    row.last_at = now
    declared = kinds.get(kind)
    digest_title = format_lazy(gettext_lazy("{label}: {count}"), label=kinds.label(kind), count=row.count)
    row.title = _render(digest_title, language)[:TITLE_MAX_LENGTH]
    row.body = "\n".join(item["title"] for item in reversed(items[-DIGEST_ITEMS_SHOWN:]))
    row.message = {
        "title": messages.encode(digest_title),
        "body": messages.lines(list(reversed(encoded[-DIGEST_ITEMS_SHOWN:]))),
        "items": encoded,
    }
    if url != row.url:
        row.url = declared.list_url if declared is not None else "/notifications/"
    row.data = {"digest": True, "count": row.count, "items": items}
    row.save(update_fields=["count", "last_at", "title", "body", "message", "url", "data"])
    return row


def notify(
    *,
    recipients: Iterable[User | int],
    kind: str,
    title: Any,
    body: Any = "",
    url: str = "",
    data: dict | None = None,
    email: bool | None = None,
) -> list[Notification]:
    """Notify ``recipients`` (users or user ids) in the current store.

    Only active members of the current store receive anything; anyone else is skipped, so a
    module can never reach a user of another store. In-app always; by email when the member's
    preference for ``kind`` says so (else the kind's default, else ``email``) and they have an
    address (without one the row records ``email_skipped``). A kind declared as a digest is folded
    into the recipient's unread notification of that kind from the last
    ``NOTIFICATION_DIGEST_MINUTES`` (not yet emailed) instead of making another one. Returns the
    notifications created or folded into.
    """
    schema = _current_store_schema()
    _validate(kind=kind, url=url)
    ids = _recipient_ids(recipients)
    if not ids:
        return []
    members = _active_members(schema=schema, ids=ids)
    ids = [pk for pk in ids if pk in members]
    if not ids:
        return []
    now = timezone.now()
    declared = kinds.get(kind)
    digest = declared is not None and declared.digest
    folded: list[Notification] = []
    with transaction.atomic():
        if digest:
            folded = _fold_into_open(members, ids=ids, kind=kind, title=title, url=url, data=data, now=now)
            ids = [pk for pk in ids if pk not in {row.recipient_id for row in folded}]
        created = _create(members, ids=ids, kind=kind, title=title, body=body, url=url, data=data, now=now)
        emailed = _wants_email(kind=kind, ids=[n.recipient_id for n in created], default=email) if created else set()
        emailed = _with_address(members, created=created, wanted=emailed)
    _email_later(schema=schema, notification_ids=[n.pk for n in created if n.recipient_id in emailed], digest=digest)
    return created + folded


def _active_members(*, schema: str, ids: list[int]) -> dict[int, User]:
    """The recipients among ``ids`` who are active members of the store of ``schema``, by id."""
    return {
        user.pk: user
        for user in User.objects.filter(
            pk__in=Membership.objects.filter(store__schema_name=schema, is_active=True, user_id__in=ids).values(
                "user_id"
            ),
            is_active=True,
        ).only("id", "language", "email")
    }


def _with_address(members: dict[int, User], *, created: list[Notification], wanted: set[int]) -> set[int]:
    """Those of ``wanted`` who have an email address. The others' new rows record why no email goes
    out (``EmailSkipped.NO_ADDRESS``): such a row is never waited for by ``send_digests``."""
    without = [n.pk for n in created if n.recipient_id in wanted and not members[n.recipient_id].email]
    if without:
        Notification.objects.filter(pk__in=without).update(email_skipped=Notification.EmailSkipped.NO_ADDRESS)
    return {pk for pk in wanted if members[pk].email}


def _fold_into_open(
    members: dict[int, User], *, ids: list[int], kind: str, title: Any, url: str, data: dict | None, now: datetime
) -> list[Notification]:
    """Fold into each recipient's open digest of ``kind`` (unread, not emailed, of the digest
    window), locked; returns the rows folded into."""
    open_rows: dict[int, Notification] = {}
    for row in (
        Notification.objects.select_for_update()
        .filter(
            recipient_id__in=ids,
            kind=kind,
            read_at__isnull=True,
            emailed_at__isnull=True,
            created_at__gte=now - digest_window(),
        )
        .order_by("created_at", "id")
    ):
        open_rows[row.recipient_id] = row
    folded: list[Notification] = []
    for pk, row in open_rows.items():
        language = members[pk].language
        folded.append(
            _fold(
                row,
                kind=kind,
                title=title,
                url=url,
                data=data or {},
                language=language,
                now=now,
            )
        )
    return folded


def _create(
    members: dict[int, User],
    *,
    ids: list[int],
    kind: str,
    title: Any,
    body: Any,
    url: str,
    data: dict | None,
    now: datetime,
) -> list[Notification]:
    """One new notification per recipient of ``ids``, in their language."""
    message = {"title": messages.encode(title), "body": messages.encode(body)}
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=_render(title, members[pk].language)[:TITLE_MAX_LENGTH],
            body=_render(body, members[pk].language),
            message=message,
            url=url,
            data=data or {},
            created_at=now,
            last_at=now,
        )
        for pk in ids
    ]
    return Notification.objects.bulk_create(rows) if rows else []


def _email_later(*, schema: str, notification_ids: list[int], digest: bool) -> None:
    to_email = notification_ids
    if to_email and digest:
        # Emailed by ``send_digests`` once the window closes, with whatever was folded in.
        Notification.objects.filter(pk__in=to_email).update(email_wanted=True)
    elif to_email:
        transaction.on_commit(lambda: _queue_emails(schema=schema, notification_ids=to_email))


def _queue_emails(*, schema: str, notification_ids: list[int]) -> None:
    from tenant_apps.notifications.tasks import send_notification_emails

    # The schema is named explicitly: the commit may happen after the caller left the store's schema.
    send_notification_emails.apply_async(args=[notification_ids], headers={"_schema_name": schema})


def mark_read(*, access: StoreAccess, ids: Iterable[int] | None = None, at: datetime | None = None) -> int:
    """Mark the caller's unread notifications (all, or those of ``ids``) read. Others' ids are ignored."""
    qs = Notification.objects.filter(recipient_id=access.user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=at or timezone.now())
