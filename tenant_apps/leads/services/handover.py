"""Leads changing hands: a handover to another owner, a merge of two customers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from tenant_apps.leads import selectors
from tenant_apps.leads.models import Lead, LeadAssignment
from tenant_apps.leads.services.distribution import _set_owner

# --- handover -------------------------------------------------------------------------------------


def leads_give_to(
    *, customer_ids=(), from_owner_id: int | None = None, owner_id: int | None, at: datetime, by=None
) -> int:
    """Give the open leads of these customers (and every open lead of ``from_owner_id``) to
    ``owner_id``, or back to the queue (None): part of a handover, in its transaction."""
    condition = Q(customer_id__in=sorted(set(customer_ids)))
    if from_owner_id is not None:
        condition |= Q(owner_id=from_owner_id)
    leads = list(
        Lead.objects.select_for_update(of=("self",))
        .filter(condition, status__in=Lead.OPEN_STATUSES)
        .exclude(owner_id=owner_id)
        .order_by("pk")
    )
    if not leads:
        return 0
    settings_row = selectors.lead_settings_get()
    for lead in leads:
        _set_owner(
            lead, owner_id, cause=LeadAssignment.Cause.HANDOVER, at=at, settings_row=settings_row, by=by, quiet=True
        )
    return len(leads)


def merge_customer_leads(*, survivor, merged) -> dict:
    """Move the merged customer's leads to the survivor (inside the merge)."""
    return {"leads": Lead.objects.filter(customer_id=merged.pk).update(customer_id=survivor.pk)}
