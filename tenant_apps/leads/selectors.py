"""Reads of leads, always through the caller's visibility.

A salesperson sees the leads they hold; a supervisor their team's and the queue (the whole store
when the store has no teams); finance, warehouse, admins and HQ the whole store. "Does not exist"
and "not yours" both answer 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.accounts.roles import Scope
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.leads.models import DistributionRule, Lead, LeadAgent, LeadAssignment, LeadSettings

ORDERING_FIELDS = ("received_at", "assigned_at", "respond_by", "name")


def lead_settings_get() -> LeadSettings:
    found = LeadSettings.objects.filter(singleton=True).first()
    if found is None:
        found, _created = LeadSettings.objects.get_or_create(singleton=True)
    return found


def enquiries_from_leads() -> bool:
    """Whether the store's daily enquiry figures are counted from its leads."""
    return LeadSettings.objects.filter(singleton=True, enquiries_from_leads=True).exists()


def visible_leads(*, access: StoreAccess) -> QuerySet[Lead]:
    qs = Lead.objects.all()
    owners = visible_owner_ids(access)
    if owners is None:
        return qs
    if access.scope == Scope.OWN:
        return qs.filter(owner_id__in=owners)
    return qs.filter(Q(owner_id__in=owners) | Q(owner__isnull=True))


def _int(value: Any, key: str, errors: dict) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        errors[key] = [_("Enter a whole number.")]
        return None
    if number <= 0 or number > 2**63 - 1:
        errors[key] = [_("Enter a whole number.")]
        return None
    return number


def lead_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Lead]:
    """Leads visible to ``access``, filtered by ``status``, ``owner`` (an id, ``me`` or ``none``:
    the queue), ``channel`` (code or id), ``source``, ``customer``, ``q`` (name, mobile or chat
    id), ``overdue`` (past their first-response time), ordered by ``ordering``."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = visible_leads(access=access).select_related("channel", "owner", "customer")
    status = filters.get("status")
    if status not in (None, ""):
        if status not in Lead.Status.values:
            errors["status"] = [_("Unknown status.")]
        else:
            qs = qs.filter(status=status)
    owner = filters.get("owner")
    if owner not in (None, ""):
        if owner == "me":
            qs = qs.filter(owner_id=access.user.pk)
        elif owner == "none":
            qs = qs.filter(owner__isnull=True)
        else:
            number = _int(owner, "owner", errors)
            if number is not None:
                qs = qs.filter(owner_id=number)
    channel = filters.get("channel")
    if channel not in (None, ""):
        value = str(channel)
        qs = qs.filter(channel_id=int(value)) if value.isdigit() and len(value) < 19 else qs.filter(channel__code=value)
    if filters.get("source"):
        qs = qs.filter(source=str(filters["source"]).strip())
    customer = filters.get("customer")
    if customer not in (None, ""):
        number = _int(customer, "customer", errors)
        if number is not None:
            qs = qs.filter(customer_id=number)
    text = str(filters.get("q") or "").strip()
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        condition = Q(name__icontains=text) | Q(wechat_id__iexact=text) | Q(platform_chat_id__iexact=text)
        if len(digits) >= 4:
            condition |= Q(mobile_normalized__contains=digits)
        qs = qs.filter(condition)
    if str(filters.get("overdue") or "").lower() in ("1", "true", "yes"):
        from django.utils import timezone

        qs = qs.filter(status=Lead.Status.NEW, owner__isnull=False, respond_by__lte=timezone.now())
    ordering = str(filters.get("ordering") or "")
    if ordering:
        if ordering.lstrip("-") not in ORDERING_FIELDS:
            errors["ordering"] = [_("Unknown ordering.")]
        else:
            qs = qs.order_by(ordering, "-id" if ordering.startswith("-") else "id")
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs


def lead_get_for_user(*, lead_id: Any, access: StoreAccess) -> Lead:
    try:
        pk = int(lead_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such lead.")) from None
    if pk <= 0 or pk > 2**63 - 1:
        raise NotFound(_("No such lead."))
    lead = visible_leads(access=access).select_related("channel", "owner", "customer").filter(pk=pk).first()
    if lead is None:
        raise NotFound(_("No such lead."))
    return lead


def lead_assignments(*, lead: Lead) -> QuerySet[LeadAssignment]:
    return LeadAssignment.objects.filter(lead=lead).select_related("owner", "previous_owner", "by").order_by("at", "id")


def rule_list() -> QuerySet[DistributionRule]:
    return DistributionRule.objects.select_related("channel").order_by("priority", "id")


def agent_list() -> QuerySet[LeadAgent]:
    return LeadAgent.objects.order_by("user_id")


def open_lead_counts(*, user_ids) -> dict[int, int]:
    rows = (
        Lead.objects.filter(owner_id__in=list(user_ids), status__in=Lead.OPEN_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    return {row["owner_id"]: row["n"] for row in rows}


def daily_counts(*, start: datetime, end: datetime, channel_id: int) -> tuple[int, int]:
    """(leads, new leads) received in [start, end) on the channel: one local day's enquiries."""
    counts = Lead.objects.filter(received_at__gte=start, received_at__lt=end, channel_id=channel_id).aggregate(
        total=Count("id"), new=Count("id", filter=Q(is_new=True))
    )
    return counts["total"], counts["new"]


# --- probes of the periodic jobs in beat's dispatch -------------------------------------------------


def waiting_sql(schema: str, store=None) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while a new lead waits with
    no owner (the ``lead_queue`` index): what ``services.distribute_queue`` hands out, as its probe
    in beat's dispatch (true as well where nobody has room: the run then finds no one)."""
    return f"""EXISTS (
        SELECT 1 FROM {schema}.{Lead._meta.db_table}
         WHERE owner_id IS NULL AND status = '{Lead.Status.NEW}')"""


def unanswered_sql(schema: str, store=None) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while an owned lead is still
    new at its first-response time, ``%(at)s`` (the ``lead_respond_by`` index): what
    ``services.reassign_unanswered`` moves, as its probe in beat's dispatch."""
    return f"""EXISTS (
        SELECT 1 FROM {schema}.{Lead._meta.db_table}
         WHERE status = '{Lead.Status.NEW}' AND owner_id IS NOT NULL AND respond_by <= %(at)s)"""
