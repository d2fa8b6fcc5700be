"""What every lead write uses: the lead's validation and who may do what."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.models import Membership
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from shared_apps.platform.fields import clean_text_fields
from tenant_apps.customers import services as customer_services
from tenant_apps.leads.models import Lead
from tenant_apps.outbox.services import publish
from tenant_apps.workspace.selectors import channel_list
from tenants.storetime import current_store

OWNER_ROLES = (StoreRole.SALESPERSON, StoreRole.SUPERVISOR)
GRADES = ("A", "B", "C", "D")
TEXT_FIELDS = {"name": 120, "wechat_id": 64, "platform_chat_id": 64, "source": 100, "province": 40, "message": 5000}
LEAD_FIELDS = (*TEXT_FIELDS, "mobile", "channel", "grade", "received_at")
CONTACT_FIELDS = ("mobile", "wechat_id", "platform_chat_id")
REASON_MAX = 300
# A lead may be dated this far ahead of the server's clock (integrations' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def lead_url(lead_id: int) -> str:
    return f"/leads/{lead_id}/"


def _event(lead: Lead, name: str, **extra: Any) -> None:
    payload = {"event": name, "owner": lead.owner_id, "status": lead.status, "customer": lead.customer_id, **extra}
    publish(topic="lead", entity_id=lead.pk, payload=payload, event=name, data=lead_event_data(lead))


def lead_event_data(lead: Lead) -> dict:
    """A lead for the event log, as the API returns it."""
    from tenant_apps.leads.serializers import LeadSerializer

    return dict(LeadSerializer(Lead.objects.select_related("owner", "channel").get(pk=lead.pk)).data)


# --- validation -----------------------------------------------------------------------------------


def _channel(value: Any, errors: dict) -> Any:
    value = getattr(value, "code", value)
    if value in (None, ""):
        return None
    text = str(value).strip()
    found = None
    if text.isdigit() and len(text) < 19:
        found = channel_list().filter(pk=int(text)).first()
    found = found or channel_list().filter(code=text).first()
    if found is None:
        errors["channel"] = [_("No such channel.")]
    return found


def _received_at(value: Any, at: datetime, errors: dict) -> datetime | None:
    if value in (None, ""):
        return at
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            errors["received_at"] = [_("Enter a date and time, such as 2026-12-01T09:30:00+08:00.")]
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    if moment > at + FUTURE_TOLERANCE:
        errors["received_at"] = [_("The time is in the future.")]
        return None
    return moment


def clean_lead(data: Any, *, at: datetime) -> dict[str, Any]:
    """The cleaned values of a new lead; raises ValidationFailed with every error at once. A lead
    needs a mobile number, a WeChat ID or a platform chat ID: without any, each is named."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("An object is expected.")]})
    errors: dict[str, list[str]] = {str(key): [_("Unknown field.")] for key in data if key not in LEAD_FIELDS}
    clean: dict[str, Any] = clean_text_fields(data, TEXT_FIELDS, errors=errors)
    customer_services.clean_mobile(data.get("mobile"), clean=clean, errors=errors)
    grade = str(data.get("grade") or "").strip().upper()
    if grade and grade not in GRADES:
        errors["grade"] = [_("Choose A, B, C or D.")]
    clean["grade"] = grade
    clean["channel"] = _channel(data.get("channel"), errors)
    clean["received_at"] = _received_at(data.get("received_at"), at, errors)
    has_contact = clean.get("mobile_normalized") or clean.get("wechat_id") or clean.get("platform_chat_id")
    if not has_contact and not any(field in errors for field in CONTACT_FIELDS):
        message = _("Give a mobile number, a WeChat ID or a platform chat ID.")
        for field in CONTACT_FIELDS:
            errors[field] = [message]
    if errors:
        raise ValidationFailed(_("Invalid lead."), errors=errors)
    return clean


# --- who may do what ------------------------------------------------------------------------------


def _require(access: StoreAccess, permission: str) -> None:
    if access.read_only or not access.can(permission):
        raise PermissionDenied()


def _require_works_on(access: StoreAccess, lead: Lead) -> None:
    """The holder works their lead; supervisors and admins the leads they see."""
    _require(access, "leads.work")
    if lead.owner_id == access.user.pk:
        return
    if access.can("leads.assign") and (lead.owner_id is None or can_see_owner(access, lead.owner_id)):
        return
    raise PermissionDenied(_("Only the holder of this lead, their supervisor or an admin may do this."))


def owner_members() -> dict[int, Membership]:
    """Active salespeople and supervisors of the store, by user id."""
    store = current_store()
    rows = member_list(store=store).filter(is_active=True, role__in=OWNER_ROLES, user__is_active=True)
    return {m.user_id: m for m in rows}


def supervisors_of(user_ids: Iterable[int]) -> list[int]:
    """Who is told about a person's leads and customers: their team supervisor, else the store's
    supervisors and admins."""
    store = current_store()
    members = member_list(store=store).filter(is_active=True)
    result: set[int] = set()
    for user_id in user_ids:
        own = members.filter(user_id=user_id).first()
        if own is not None and own.supervisor_id is not None and members.filter(user_id=own.supervisor_id).exists():
            result.add(own.supervisor_id)
        else:
            result |= set(
                members.filter(role__in=[StoreRole.SUPERVISOR, StoreRole.ADMIN])
                .exclude(user_id=user_id)
                .values_list("user_id", flat=True)
            )
    return sorted(result)


def _assignable_owner(value: Any, errors: dict) -> int | None:
    try:
        owner_id = int(str(value))
    except (TypeError, ValueError):
        errors["owner"] = [_("Enter a user id.")]
        return None
    if owner_id not in owner_members():
        errors["owner"] = [_("Not an active salesperson or supervisor of this store.")]
        return None
    return owner_id
