"""Periodic work: distributing the queue and reassigning leads left unanswered."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from tenant_apps.leads.models import Lead, LeadAssignment
from tenant_apps.leads.services.common import lead_url, supervisors_of
from tenant_apps.leads.services.distribution import _Distributor, _set_owner
from tenant_apps.notifications.services import notify

# --- periodic work --------------------------------------------------------------------------------


def distribute_queue(*, at: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Give waiting leads (no owner), oldest first, to whoever has room now."""
    at = at or timezone.now()
    assigned = 0
    if not Lead.objects.filter(owner__isnull=True, status=Lead.Status.NEW).exists():
        return {"assigned": 0, "waiting": 0}
    with transaction.atomic():
        distributor = _Distributor().lock()
        settings_row = distributor.settings
        waiting = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(owner__isnull=True, status=Lead.Status.NEW)
            .order_by("received_at", "id")[:limit]
        )
        if not waiting:
            return {"assigned": 0, "waiting": 0}
        for lead in waiting:
            owner_id = distributor.customer_owner(lead)
            cause = LeadAssignment.Cause.CUSTOMER_OWNER
            if owner_id is None:
                owner_id = distributor.pick(lead)
                cause = LeadAssignment.Cause.QUEUE
            if owner_id is not None:
                _set_owner(lead, owner_id, cause=cause, at=at, settings_row=settings_row)
                assigned += 1
    return {"assigned": assigned, "waiting": len(waiting) - assigned}


def reassign_unanswered(*, at: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Leads still new past their first-response time go to the next person; the supervisor of
    the person who missed it is told. Safe to run twice or at once (a lead re-assigned has a new
    time to answer by; rows are taken with SKIP LOCKED)."""
    at = at or timezone.now()
    moved = kept = 0
    if not Lead.objects.filter(status=Lead.Status.NEW, owner__isnull=False, respond_by__lte=at).exists():
        return {"reassigned": 0, "kept": 0}
    with transaction.atomic():
        distributor = _Distributor().lock()
        settings_row = distributor.settings
        overdue = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(status=Lead.Status.NEW, owner__isnull=False, respond_by__lte=at)
            .order_by("respond_by", "id")[:limit]
        )
        if not overdue:
            return {"reassigned": 0, "kept": 0}
        for lead in overdue:
            missed_by = lead.owner_id
            owner_id = distributor.pick(lead, exclude=[missed_by])
            if owner_id is not None:
                lead.reassign_count += 1
                _set_owner(lead, owner_id, cause=LeadAssignment.Cause.NO_RESPONSE, at=at, settings_row=settings_row)
                moved += 1
            else:
                lead.respond_by = None
                lead.save(update_fields=["respond_by"])
                kept += 1
            notify(
                recipients=supervisors_of([missed_by]),
                kind="leads.no_response",
                title=format_lazy(gettext_lazy("Lead not answered in time: {name}"), name=str(lead)),
                body=gettext_lazy("It was re-assigned.")
                if owner_id is not None
                else gettext_lazy("Nobody else could take it."),
                url=lead_url(lead.pk),
                data={"lead": lead.pk, "missed_by": missed_by, "owner": owner_id},
            )
    return {"reassigned": moved, "kept": kept}
