"""Work on a lead: assigning it, contacting, converting it to a customer, losing it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import InvalidTransition, NotFound, ValidationFailed
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.customers import services as customer_services
from tenant_apps.leads.error_codes import LeadErrorCode
from tenant_apps.leads.models import Lead, LeadAssignment
from tenant_apps.leads.services.common import (
    REASON_MAX,
    _assignable_owner,
    _event,
    _require,
    _require_works_on,
)
from tenant_apps.leads.services.distribution import _lock_settings, _set_owner

# --- work on a lead -------------------------------------------------------------------------------


def _lock(lead_id: int) -> Lead:
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(_("No such lead."))
    return lead


def _closed(lead: Lead) -> InvalidTransition:
    return InvalidTransition(
        _("This lead is already %(status)s.") % {"status": lead.get_status_display()},
        code=LeadErrorCode.LEAD_CLOSED,
    )


def lead_assign(*, lead_id: int, owner: Any, access: StoreAccess, at: datetime | None = None) -> Lead:
    """A supervisor or admin gives an open lead to a salesperson or supervisor of the store
    (``owner`` null: back to the queue)."""
    _require(access, "leads.assign")
    at = at or timezone.now()
    errors: dict = {}
    owner_id = None if owner is None else _assignable_owner(owner, errors)
    if owner_id is not None and not can_see_owner(access, owner_id):
        errors["owner"] = [_("You may only assign leads within your team.")]
    if errors:
        raise ValidationFailed(_("Invalid owner."), errors=errors)
    with transaction.atomic():
        settings_row = _lock_settings()
        lead = _lock(lead_id)
        if not lead.is_open:
            raise _closed(lead)
        if lead.owner_id != owner_id:
            _set_owner(
                lead, owner_id, cause=LeadAssignment.Cause.MANUAL, at=at, settings_row=settings_row, by=access.user
            )
    return lead


def lead_contact(*, lead_id: int, access: StoreAccess, at: datetime | None = None) -> Lead:
    """The first contact is made: the lead is no longer waiting for its first response."""
    at = at or timezone.now()
    with transaction.atomic():
        lead = _lock(lead_id)
        _require_works_on(access, lead)
        if lead.status != Lead.Status.NEW:
            raise InvalidTransition(_("Only a new lead can be marked contacted."))
        lead.status = Lead.Status.CONTACTED
        lead.contacted_at = at
        lead.respond_by = None
        lead.save(update_fields=["status", "contacted_at", "respond_by"])
        _event(lead, "lead.contacted")
    return lead


def lead_convert(*, lead_id: int, access: StoreAccess, at: datetime | None = None) -> Lead:
    """Make the lead a customer: the customer it matched (or one matching now), else a new one
    owned by the lead's holder."""
    at = at or timezone.now()
    with transaction.atomic():
        lead = _lock(lead_id)
        _require_works_on(access, lead)
        if not lead.is_open:
            raise _closed(lead)
        customer = lead.customer if lead.customer_id is not None else None
        if customer is not None and customer.merged_into_id is not None:
            customer = customer_selectors.customer_get_for_user(customer_id=customer.merged_into_id, access=access)
        if customer is None:
            found = customer_services.find_duplicate(
                mobile_normalized=lead.mobile_normalized,
                wechat_id=lead.wechat_id,
                platform_chat_id=lead.platform_chat_id,
            )
            customer = found[0] if found is not None else None
        if customer is None:
            data: dict[str, Any] = {
                "name": lead.name or lead.mobile or lead.wechat_id or lead.platform_chat_id,
                "mobile": lead.mobile,
                "wechat_id": lead.wechat_id,
                "platform_chat_id": lead.platform_chat_id,
                "province": lead.province,
            }
            if lead.channel_id is not None:
                data["channel"] = lead.channel.code
            if lead.grade:
                data["grade"] = lead.grade
            if access.role != StoreRole.SALESPERSON:
                data["owner"] = lead.owner_id
            customer = customer_services.customer_create(data=data, access=access, at=at)
        lead.customer = customer
        lead.status = Lead.Status.CONVERTED
        lead.closed_at = at
        lead.respond_by = None
        lead.contacted_at = lead.contacted_at or at
        lead.save(update_fields=["customer", "status", "closed_at", "respond_by", "contacted_at"])
        _event(lead, "lead.converted")
    return lead


def lead_lose(*, lead_id: int, access: StoreAccess, reason: Any, at: datetime | None = None) -> Lead:
    """Close the lead as lost, with its reason."""
    at = at or timezone.now()
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("The reason is too long."), errors={"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]}
        )
    with transaction.atomic():
        lead = _lock(lead_id)
        _require_works_on(access, lead)
        if not lead.is_open:
            raise _closed(lead)
        lead.status = Lead.Status.LOST
        lead.lost_reason = text
        lead.closed_at = at
        lead.respond_by = None
        lead.save(update_fields=["status", "lost_reason", "closed_at", "respond_by"])
        _event(lead, "lead.lost", reason=text)
    return lead
