"""New leads, one by one or many at once, distributed as they arrive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shared_apps.accounts.access import StoreAccess
from tenant_apps.customers import services as customer_services
from tenant_apps.leads.models import Lead
from tenant_apps.leads.services.common import _event, _require, clean_lead
from tenant_apps.leads.services.distribution import _distribute, _Distributor, _refresh_enquiries
from tenants.storetime import local_day_bounds

# --- intake ---------------------------------------------------------------------------------------


def _new_lead(clean: dict[str, Any], *, created_by) -> Lead:
    found = customer_services.find_duplicate(
        mobile_normalized=clean.get("mobile_normalized", ""),
        wechat_id=clean.get("wechat_id", ""),
        platform_chat_id=clean.get("platform_chat_id", ""),
    )
    customer = found[0] if found is not None else None
    lead = Lead(**clean, created_by_id=getattr(created_by, "pk", None))
    if customer is not None:
        lead.customer = customer
        lead.is_new = False
        lead.grade = lead.grade or customer.grade
        lead.province = lead.province or customer.province
    return lead


def lead_create(*, data: Any, access: StoreAccess, at: datetime | None = None) -> Lead:
    """Take in one lead (by hand or by API) and distribute it by the store's rules."""
    _require(access, "leads.create")
    return lead_create_many(rows=[data], access=access, at=at)[0]


def lead_create_many(*, rows: list[Any], access: StoreAccess, at: datetime | None = None) -> list[Lead]:
    """Take in several valid leads in one transaction (every row is checked first: one invalid row
    refuses them all), each distributed in turn."""
    _require(access, "leads.create")
    at = at or timezone.now()
    cleaned = [clean_lead(row, at=at) for row in rows]
    with transaction.atomic():
        leads = []
        for clean in cleaned:
            lead = _new_lead(clean, created_by=access.user)
            lead.save()
            _event(lead, "lead.created", channel=lead.channel_id, source=lead.source, is_new=lead.is_new)
            leads.append(lead)
        distributor = _Distributor().lock()
        days: set[tuple[datetime, int]] = set()
        for lead in leads:
            _distribute(lead, distributor=distributor, at=at)
            if lead.channel_id is not None:
                days.add((local_day_bounds(lead.received_at)[0], lead.channel_id))
        _refresh_enquiries(days, distributor.settings)
    return leads
