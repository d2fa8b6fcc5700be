"""Notifications: the one service every module calls to tell people something.

``notify`` writes rows in the current store's schema inside the caller's transaction and, when
asked, queues the email only after that transaction commits (side effects after commit).

Titles and bodies may be lazy translations (``gettext_lazy`` / ``format_lazy``): they are kept as
message ids and parameters (``messages.encode``) and shown in the reader's language; the ``title``
and ``body`` columns hold the recipient's copy (``User.language``, else the active language).
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.models import Membership, User
from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from tenant_apps.notifications import kinds, messages, selectors
from tenant_apps.notifications.models import (
    MessagingProfile,
    Notification,
    NotificationPreference,
    SmsMessage,
    SmsSettings,
    SmsTemplate,
)
from tenants.models import Store
from tenants.routing import store_url
from tenants.storetime import current_store

logger = logging.getLogger(__name__)

KIND_MAX_LENGTH = 64
TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500
PURGE_READ_AFTER_DAYS = 90
DIGEST_ITEMS_KEPT = 50
DIGEST_ITEMS_SHOWN = 10


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


def digest_window() -> timedelta:
    return timedelta(minutes=settings.NOTIFICATION_DIGEST_MINUTES)


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
    preference for ``kind`` says so (else the kind's default, else ``email``). A kind declared as
    a digest is folded into the recipient's unread notification of that kind from the last
    ``NOTIFICATION_DIGEST_MINUTES`` (not yet emailed) instead of making another one. Returns the
    notifications created or folded into.
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
    ids = [pk for pk in ids if pk in members]
    if not ids:
        return []
    now = timezone.now()
    declared = kinds.get(kind)
    folded: list[Notification] = []
    with transaction.atomic():
        if declared is not None and declared.digest:
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
            ids = [pk for pk in ids if pk not in open_rows]
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
        created = Notification.objects.bulk_create(rows) if rows else []
        emailed = _wants_email(kind=kind, ids=[n.recipient_id for n in created], default=email) if created else set()
    to_email = [n.pk for n in created if n.recipient_id in emailed]
    if to_email and declared is not None and declared.digest:
        # Emailed by ``send_digests`` once the window closes, with whatever was folded in.
        Notification.objects.filter(pk__in=to_email).update(email_wanted=True)
    elif to_email:
        transaction.on_commit(lambda: _queue_emails(schema=schema, notification_ids=to_email))
    return created + folded


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
    """Email the digests whose window has closed (made at least the window before ``at``)."""
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


# --- preferences ----------------------------------------------------------------------------------


def preferences_get(*, user: User) -> dict[str, Any]:
    """The member's choices: every declared kind with its email setting, the SMS number and opt-out."""
    chosen = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "email"))
    profile = MessagingProfile.objects.filter(user_id=user.pk).first()
    return {
        "kinds": [
            {"kind": kind.key, "label": str(kind.label), "email": chosen.get(kind.key, kind.email), "in_app": True}
            for kind in kinds.KINDS
        ],
        "mobile": profile.mobile if profile else "",
        "sms_opt_out": profile.sms_opt_out if profile else False,
    }


def preferences_update(
    *, user: User, email: dict[str, Any] | None = None, mobile: Any = None, sms_opt_out: Any = None
) -> dict[str, Any]:
    """Set the member's email choice per kind, SMS number and opt-out; all checked before any write."""
    errors: dict[str, list[str]] = {}
    email = email or {}
    if not isinstance(email, dict):
        errors["email"] = [_("Give an object of kind: true or false.")]
        email = {}
    unknown = [key for key in email if kinds.get(key) is None]
    if unknown:
        errors["email"] = [_("Unknown kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(map(str, unknown)))}]
    if any(not isinstance(value, bool) for value in email.values()):
        errors.setdefault("email", []).append(_("Each kind takes true or false."))
    normalized = None
    if mobile is not None:
        normalized = _normalize_mobile(mobile, errors)
    if sms_opt_out is not None and not isinstance(sms_opt_out, bool):
        errors["sms_opt_out"] = [_("Give true or false.")]
    if errors:
        raise ValidationFailed(_("Invalid preferences."), errors=errors)
    with transaction.atomic():
        for key, value in email.items():
            NotificationPreference.objects.update_or_create(user_id=user.pk, kind=key, defaults={"email": value})
        if mobile is not None or sms_opt_out is not None:
            profile, _created = MessagingProfile.objects.select_for_update().get_or_create(user_id=user.pk)
            if mobile is not None:
                profile.mobile = normalized or ""
            if sms_opt_out is not None:
                profile.sms_opt_out = sms_opt_out
            profile.save()
    return preferences_get(user=user)


def _normalize_mobile(value: Any, errors: dict[str, list[str]]) -> str:
    import phonenumbers

    text = str(value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        errors["mobile"] = [_("Enter a valid mobile number.")]
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- SMS ------------------------------------------------------------------------------------------

# The built-in text of the kinds of SMS the product sends, used when the store has no enabled
# template of that kind (the message then has no provider template code).
DEFAULT_SMS_TEMPLATES = {
    "automation.alert": "{title}",
    "notification": "{title}",
}


def sms_settings_get() -> SmsSettings:
    return SmsSettings.objects.get_or_create(pk=1)[0]


def sms_settings_update(*, signature: Any) -> SmsSettings:
    signature = str(signature or "").strip()
    if len(signature) > 40:
        raise ValidationFailed(_("Invalid SMS settings."), errors={"signature": [_("At most 40 characters.")]})
    with transaction.atomic():
        row = SmsSettings.objects.select_for_update().get_or_create(pk=1)[0]
        row.signature = signature
        row.save()
    return row


# The parameters the SMS send path gives a template (``sms_send``'s callers: the automation
# ``sms`` action sends ``title``, the alert's title, and ``rule``, the rule's name). A template's
# text may use only these; ``{{`` and ``}}`` stand for a literal brace.
SMS_PLACEHOLDERS = ("title", "rule")
SMS_TEMPLATE_FIELDS = ("code", "name", "provider_template_code", "body", "enabled")
SMS_CODE_MAX_LENGTH = 64
SMS_NAME_MAX_LENGTH = 120
SMS_BODY_MAX_LENGTH = 500
# The kind of message a template serves, as the send path names it: ``automation.alert``.
_SMS_CODE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_PROVIDER_CODE = re.compile(r"^[A-Za-z0-9_-]+$")


class _UnbalancedBraces(ValueError):
    pass


def sms_placeholders(body: str) -> list[str]:
    """The placeholders ``body`` uses, in order of first use. Raises ``_UnbalancedBraces`` for a
    lone ``{`` or ``}``; a placeholder with a format (``{title:>5}``, ``{title!r}``) is answered
    whole, so that it counts as unknown."""
    found: list[str] = []
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise _UnbalancedBraces(str(exc)) from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        name = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if name not in found:
            found.append(name)
    return found


def _require_sms_admin(access: StoreAccess) -> None:
    if access is None or not access.can("settings.manage") or access.via_hq:
        raise PermissionDenied(_("Only a store admin can manage SMS templates."))


def _clean_sms_template(data: dict[str, Any], *, current: SmsTemplate | None) -> dict[str, Any]:
    """The template's values after ``data``, every rule checked; ``ValidationFailed`` names each field."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(key) for key in data if key not in SMS_TEMPLATE_FIELDS)
    for key in unknown:
        errors[key] = [_("Unknown field.")]
    values: dict[str, Any] = {
        key: getattr(current, key) if current is not None else None for key in SMS_TEMPLATE_FIELDS
    }
    values.update({key: value for key, value in data.items() if key in SMS_TEMPLATE_FIELDS})
    texts: dict[str, str] = {}
    for key in ("code", "name", "provider_template_code", "body"):
        value = values[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = [_("Give a text.")]
            value = ""
        texts[key] = value.strip() if key != "body" else value
    code, name, provider, body = texts["code"], texts["name"], texts["provider_template_code"], texts["body"]
    if "code" not in errors:
        if not code or len(code) > SMS_CODE_MAX_LENGTH:
            errors["code"] = [_("A code of 1 to %(max)d characters is required.") % {"max": SMS_CODE_MAX_LENGTH}]
        elif not _SMS_CODE.match(code):
            errors["code"] = [
                _(
                    "Use lowercase letters and digits, joined by single dots, hyphens or underscores, "
                    "such as automation.alert."
                )
            ]
        elif SmsTemplate.objects.filter(code=code).exclude(pk=current.pk if current else None).exists():
            errors["code"] = [_("This store already has an SMS template with this code.")]
    if "name" not in errors and (not name or len(name) > SMS_NAME_MAX_LENGTH):
        errors["name"] = [_("A name of 1 to %(max)d characters is required.") % {"max": SMS_NAME_MAX_LENGTH}]
    bad_provider = len(provider) > SMS_CODE_MAX_LENGTH or not _PROVIDER_CODE.match(provider)
    if "provider_template_code" not in errors and provider and bad_provider:
        errors["provider_template_code"] = [
            _(
                "The provider's template code is up to %(max)d letters, digits, hyphens or underscores, "
                "such as SMS_154950909."
            )
            % {"max": SMS_CODE_MAX_LENGTH}
        ]
    if "body" not in errors:
        if not body.strip() or len(body) > SMS_BODY_MAX_LENGTH:
            errors["body"] = [_("A text of 1 to %(max)d characters is required.") % {"max": SMS_BODY_MAX_LENGTH}]
        else:
            try:
                unknown_placeholders = [p for p in sms_placeholders(body) if p not in SMS_PLACEHOLDERS]
            except _UnbalancedBraces:
                errors["body"] = [_("Unbalanced braces: write a placeholder as {title}, a literal brace as {{ or }}.")]
            else:
                if unknown_placeholders:
                    errors["body"] = [
                        _("Unknown placeholders: %(unknown)s. Use only %(allowed)s.")
                        % {
                            "unknown": ", ".join("{" + p + "}" for p in unknown_placeholders),
                            "allowed": ", ".join("{" + p + "}" for p in SMS_PLACEHOLDERS),
                        }
                    ]
    enabled = values["enabled"]
    if enabled is None:
        enabled = True
    if not isinstance(enabled, bool):
        errors["enabled"] = [_("Give true or false.")]
    if errors:
        raise ValidationFailed(_("Invalid SMS template."), errors=errors)
    return {"code": code, "name": name, "provider_template_code": provider, "body": body, "enabled": enabled}


def _duplicate_code() -> ValidationFailed:
    return ValidationFailed(
        _("Invalid SMS template."), errors={"code": [_("This store already has an SMS template with this code.")]}
    )


def _save_sms_template(row: SmsTemplate, values: dict[str, Any]) -> SmsTemplate:
    for key, value in values.items():
        setattr(row, key, value)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same code written at the same moment by someone else
        raise _duplicate_code() from None
    return row


def sms_template_create(*, access: StoreAccess, data: dict[str, Any]) -> SmsTemplate:
    """A store admin adds an SMS template (``code``, ``name``, ``provider_template_code``, ``body``,
    ``enabled``); everything is checked before anything is stored."""
    _require_sms_admin(access)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid SMS template."))
    values = _clean_sms_template(data, current=None)
    return _save_sms_template(SmsTemplate(), values)


def sms_template_update(*, access: StoreAccess, template_id: Any, data: dict[str, Any]) -> SmsTemplate:
    """A store admin changes some fields of a template (the others keep their values)."""
    _require_sms_admin(access)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid SMS template."))
    with transaction.atomic():
        row = selectors.sms_template_get(template_id=template_id, for_update=True)
        values = _clean_sms_template(data, current=row)
        return _save_sms_template(row, values)


def sms_template_delete(*, access: StoreAccess, template_id: Any) -> None:
    _require_sms_admin(access)
    selectors.sms_template_get(template_id=template_id).delete()


def sms_template_set(
    *, code: str, body: str, provider_template_code: str = "", name: str = "", enabled: bool = True
) -> SmsTemplate:
    """Write the template of ``code`` (create or replace) without a person acting, as seeding does;
    the same checks as ``sms_template_create``."""
    with transaction.atomic():
        row = SmsTemplate.objects.select_for_update().filter(code=str(code or "").strip()).first()
        values = _clean_sms_template(
            {
                "code": code,
                "name": name or code,
                "provider_template_code": provider_template_code,
                "body": body,
                "enabled": enabled,
            },
            current=row,
        )
        return _save_sms_template(row or SmsTemplate(), values)


def sms_template_for(code: str) -> SmsTemplate | None:
    """The store's enabled template for messages of ``code``, if any."""
    return SmsTemplate.objects.filter(code=code, enabled=True).first()


def _render_sms(text: str, params: dict[str, Any]) -> str:
    class _Keep(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    try:
        return text.format_map(_Keep({k: str(v) for k, v in params.items()}))
    except (ValueError, IndexError, AttributeError, KeyError, TypeError):
        return text


def sms_send(
    *, recipients: Iterable[User | int], template: str, params: dict[str, Any], at: datetime | None = None
) -> list[SmsMessage]:
    """Queue an SMS to each recipient's number in this store, sent after commit.

    A member without a number is skipped; one who opted out, or whose number already had
    ``SMS_RATE_LIMIT_PER_HOUR`` messages in the last hour, gets a logged message that is not sent.
    """
    schema = _current_store_schema()
    at = at or timezone.now()
    ids = _recipient_ids(recipients)
    stored = sms_template_for(template)
    text = stored.body if stored else DEFAULT_SMS_TEMPLATES.get(template, "")
    if not text:
        raise ValidationFailed(_("Invalid SMS."), errors={"template": [_("No such SMS template.")]})
    rendered = _render_sms(text, params)
    profiles = MessagingProfile.objects.filter(
        user_id__in=Membership.objects.filter(store__schema_name=schema, is_active=True, user_id__in=ids).values(
            "user_id"
        )
    ).exclude(mobile="")
    made: list[SmsMessage] = []
    with transaction.atomic():
        for profile in profiles.select_for_update():
            recent = SmsMessage.objects.filter(
                mobile=profile.mobile,
                status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.SENT],
                created_at__gt=at - timedelta(hours=1),
            ).count()
            if profile.sms_opt_out:
                status = SmsMessage.Status.OPTED_OUT
            elif recent >= settings.SMS_RATE_LIMIT_PER_HOUR:
                status = SmsMessage.Status.RATE_LIMITED
            else:
                status = SmsMessage.Status.QUEUED
            made.append(
                SmsMessage.objects.create(
                    recipient_id=profile.user_id,
                    mobile=profile.mobile,
                    template=template,
                    provider_template_code=stored.provider_template_code if stored else "",
                    params=params,
                    text=rendered,
                    status=status,
                    created_at=at,
                )
            )
    queued = [m.pk for m in made if m.status == SmsMessage.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: _queue_sms(schema=schema, message_ids=queued))
    return made


def _queue_sms(*, schema: str, message_ids: list[int]) -> None:
    from tenant_apps.notifications.tasks import send_sms

    send_sms.apply_async(args=[message_ids], headers={"_schema_name": schema})


def sms_deliver(*, message_id: int) -> str:
    """Send one queued SMS through the configured backend; the outcome is written on the row."""
    from tenant_apps.notifications.sms import Sms, SmsError, get_backend

    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != SmsMessage.Status.QUEUED:
            return message.status if message else "missing"
        sms = Sms(
            mobile=message.mobile,
            signature=sms_settings_get().signature,
            template_code=message.provider_template_code,
            params=message.params,
            text=message.text,
        )
        try:
            message.provider_id = get_backend().send(sms)[:100]
        except SmsError as exc:
            message.status = SmsMessage.Status.FAILED
            message.error = str(exc)[:2000]
            logger.warning("SMS %s failed: %s", message.pk, exc)
        else:
            message.status = SmsMessage.Status.SENT
            message.sent_at = timezone.now()
        message.save(update_fields=["status", "error", "provider_id", "sent_at"])
    return message.status
