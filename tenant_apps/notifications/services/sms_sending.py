"""Sending SMS: queued per member in the request, sent after commit through the configured backend."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import Membership, User
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.notifications.models import MessagingProfile, SmsMessage
from tenant_apps.notifications.services.common import _current_store_schema, _recipient_ids
from tenant_apps.notifications.services.sms_templates import DEFAULT_SMS_TEMPLATES, sms_settings_get, sms_template_for

logger = logging.getLogger(__name__)


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
