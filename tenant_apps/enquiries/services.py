"""Writes of enquiry statistics. Recording a day again corrects it (one row per day and channel,
one per day and salesperson); every write publishes the ``enquiry`` outbox topic in its
transaction. Everything is validated before anything is written."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import Conflict, ValidationFailed
from tenant_apps.enquiries import files
from tenant_apps.enquiries.error_codes import EnquiryErrorCode
from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry, Screenshot
from tenant_apps.enquiries.sources import figures_are_derived
from tenant_apps.outbox.services import publish
from tenant_apps.workspace.selectors import channel_list
from tenants.storetime import store_zone

MAX_COUNT = 1_000_000
OLDEST_DAYS = 3 * 366


def _today() -> date:
    return timezone.now().astimezone(store_zone()).date()


def _date(value, errors: dict) -> date | None:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except (TypeError, ValueError):
            errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
            return None
    if day > _today():
        errors["date"] = [_("The date is in the future.")]
    elif day < _today() - timedelta(days=OLDEST_DAYS):
        errors["date"] = [_("The date is too far in the past.")]
    return day


def _count(value, field: str, errors: dict) -> int | None:
    if isinstance(value, bool):
        errors[field] = [_("Enter a whole number.")]
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None
    if number < 0 or number > MAX_COUNT:
        errors[field] = [_("Enter a number between 0 and %(max)d.") % {"max": MAX_COUNT}]
        return None
    return number


def daily_enquiry_record(*, access: StoreAccess, day, channel, enquiries, new_enquiries) -> DailyEnquiry:
    """Record (or correct) the enquiries of ``day`` on ``channel`` (a channel id or code)."""
    errors: dict = {}
    day = _date(day, errors)
    total = _count(enquiries, "enquiries", errors)
    new = _count(new_enquiries, "new_enquiries", errors)
    found = None
    if channel in (None, ""):
        errors["channel"] = [_("Choose a channel.")]
    else:
        value = str(channel).strip()
        if value.isdigit() and len(value) < 19:
            found = channel_list().filter(pk=int(value)).first()
        found = found or channel_list().filter(code=value).first()
        if found is None:
            errors["channel"] = [_("No such channel.")]
    if total is not None and new is not None and new > total:
        errors["new_enquiries"] = [_("New enquiries cannot exceed enquiries.")]
    if errors:
        raise ValidationFailed(errors=errors)
    if figures_are_derived():
        raise Conflict(
            _("This store counts its daily enquiries from its leads; they cannot be typed in."),
            code=EnquiryErrorCode.FROM_LEADS,
        )
    with transaction.atomic():
        record, _created = DailyEnquiry.objects.select_for_update().update_or_create(
            date=day,
            channel=found,
            defaults={"enquiries": total, "new_enquiries": new, "recorded_by": access.user},
        )
        publish(topic="enquiry", entity_id=record.pk)
    return record


def daily_enquiry_derive(*, day: date, channel_id: int, enquiries: int, new_enquiries: int) -> DailyEnquiry:
    """Write the figures of ``day`` on a channel as counted from the store's leads (no one recorded
    them: ``recorded_by`` is empty). Called inside the transaction that changed the leads."""
    record, _created = DailyEnquiry.objects.select_for_update().update_or_create(
        date=day,
        channel_id=channel_id,
        defaults={"enquiries": enquiries, "new_enquiries": new_enquiries, "recorded_by": None},
    )
    publish(topic="enquiry", entity_id=record.pk)
    return record


def contact_record(*, access: StoreAccess, day, wechat_added, phone_contacts, screenshots=()) -> ContactRecord:
    """Record (or correct) the caller's own contacts of ``day``; screenshots are added to the day's."""
    user = access.user
    errors: dict = {}
    day = _date(day, errors)
    wechat = _count(wechat_added, "wechat_added", errors)
    phone = _count(phone_contacts, "phone_contacts", errors)
    if errors:
        raise ValidationFailed(errors=errors)
    checked = files.check_images(screenshots)
    with transaction.atomic():
        record, _created = ContactRecord.objects.select_for_update().update_or_create(
            date=day, user=user, defaults={"wechat_added": wechat, "phone_contacts": phone}
        )
        if checked and record.screenshots.count() + len(checked) > files.MAX_SCREENSHOTS:
            message = _("At most %(max)d screenshots per day.") % {"max": files.MAX_SCREENSHOTS}
            raise ValidationFailed(message, errors={"screenshots": [message]})
        for item in checked:
            Screenshot.upload(item, record=record, uploaded_by=user)
        # HQ's enquiry facts are the daily records (entity = a DailyEnquiry id); a contact record
        # says so in the payload, so a consumer can tell the two apart.
        publish(topic="enquiry", entity_id=record.pk, payload={"record": "contact"})
    return record
