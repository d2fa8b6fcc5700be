"""Reads of after-sales, always through the caller's visibility.

A case is visible to whoever may see its order: scoped by the order's owner (``visible_owner_ids``):
a salesperson sees the cases of their own orders, a supervisor their team's, finance, warehouse,
admins and HQ the whole store. "Not found" and "not yours" are the same 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.platform.dates import parse_day_or_moment
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.aftersales import rules
from tenant_apps.aftersales.models import Case, CaseEvent
from tenants.storetime import store_zone

__all__ = [
    "CASE_STATUS_CHOICES",
    "CASE_TYPE_CHOICES",
    "LIST_FILTERS",
    "ORDERING_FIELDS",
    "allowed_actions",
    "case_events",
    "case_get_for_user",
    "case_list",
    "customer_cases_panel",
    "order_cases",
    "pending_approval_count",
]

CASE_STATUS_CHOICES = Case.Status.choices
CASE_TYPE_CHOICES = Case.Type.choices
LIST_FILTERS = ("created_from", "created_to", "status", "type", "order", "customer", "applicant", "q", "ordering")
ORDERING_FIELDS = ("created_at", "amount", "status", "completed_at")
allowed_actions = rules.allowed_actions


def _scoped(access: StoreAccess) -> QuerySet[Case]:
    qs = Case.objects.all()
    owners = visible_owner_ids(access)
    if owners is not None:
        qs = qs.filter(order__owner_id__in=owners)
    return qs


def _int(value: Any, key: str, errors: dict[str, list[str]]) -> int | None:
    text = str(value).strip()
    if text.isdigit() and 0 < int(text) < 2**63:
        return int(text)
    errors[key] = [_("An id is expected.")]
    return None


def _moment(value: Any, key: str, errors: dict[str, list[str]], *, end: bool) -> datetime | None:
    """A date (a whole local day, inclusive) or an ISO 8601 time with offset."""
    try:
        moment, _whole_day = parse_day_or_moment(value, key, tz=store_zone(), end=end)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return None
    return moment


def case_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Case]:
    """Cases the caller may see, newest first. Filters: ``created_from`` / ``created_to`` (dates,
    inclusive, in the store's timezone, or times), ``status`` and ``type`` (one value or several
    separated by commas), ``order``, ``customer`` (ids), ``applicant`` (a user id or ``me``), ``q``
    (order number or customer name contains), ``ordering`` (``created_at``, ``amount``, ``status``,
    ``completed_at``, ``-`` for descending)."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = _scoped(access)
    for key, choices in (("status", Case.Status.values), ("type", Case.Type.values)):
        raw = str(filters.get(key) or "").strip()
        if not raw:
            continue
        values = [v.strip() for v in raw.split(",") if v.strip()]
        wrong = [v for v in values if v not in choices]
        if wrong:
            errors[key] = [_("One of: %(values)s.") % {"values": ", ".join(choices)}]
        else:
            qs = qs.filter(**{f"{key}__in": values})
    start = filters.get("created_from")
    if start not in (None, ""):
        moment = _moment(start, "created_from", errors, end=False)
        if moment is not None:
            qs = qs.filter(created_at__gte=moment)
    end = filters.get("created_to")
    if end not in (None, ""):
        moment = _moment(end, "created_to", errors, end=True)
        if moment is not None:
            qs = qs.filter(created_at__lt=moment) if len(str(end).strip()) == 10 else qs.filter(created_at__lte=moment)
    for key, field in (("order", "order_id"), ("customer", "order__customer_id")):
        value = filters.get(key)
        if value not in (None, ""):
            number = _int(value, key, errors)
            if number is not None:
                qs = qs.filter(**{field: number})
    applicant = filters.get("applicant")
    if applicant not in (None, ""):
        if str(applicant).strip() == "me":
            qs = qs.filter(applicant_id=access.user.pk)
        else:
            number = _int(applicant, "applicant", errors)
            if number is not None:
                qs = qs.filter(applicant_id=number)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(order__number__icontains=q[:64]) | Q(order__customer__name__icontains=q[:64]))
    ordering = str(filters.get("ordering") or "").strip()
    order_by = ["-created_at", "-id"]
    if ordering:
        if ordering.lstrip("-") not in ORDERING_FIELDS:
            errors["ordering"] = [
                _("One of: %(values)s.") % {"values": ", ".join(f"{s}{f}" for f in ORDERING_FIELDS for s in ("", "-"))}
            ]
        else:
            order_by = [ordering, "-id"]
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs.select_related("order", "order__customer", "applicant", "decided_by").order_by(*order_by)


def case_get_for_user(*, case_id: Any, access: StoreAccess) -> Case:
    """One case the caller may see, with its items; missing and not visible are the same 404."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such after-sales case.")) from None
    case = (
        _scoped(access)
        .filter(pk=pk)
        .select_related("order", "order__customer", "applicant", "decided_by", "processed_by", "cancelled_by")
        .prefetch_related("items__order_line")
        .first()
        if 0 < pk < 2**63
        else None
    )
    if case is None:
        raise NotFound(_("No such after-sales case."))
    return case


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    """The case's timeline, oldest first (the case was loaded through its selector)."""
    return CaseEvent.objects.filter(case_id=case.pk).select_related("actor").order_by("at", "id")


def order_cases(*, order_id: int) -> QuerySet[Case]:
    """The after-sales history of an order the caller may see (checked by the caller), newest first."""
    return (
        Case.objects.filter(order_id=order_id)
        .select_related("applicant")
        .prefetch_related("items__order_line")
        .order_by("-created_at", "-id")
    )


def customer_cases_panel(*, customer_id: int) -> dict[str, Any]:
    """Counts of the customer's after-sales cases for the 360° view."""
    qs = Case.objects.filter(order__customer_id=customer_id)
    counts = qs.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=Case.OPEN_STATUSES)),
        completed=Count("pk", filter=Q(status=Case.Status.COMPLETED)),
    )
    latest = list(qs.select_related("order").order_by("-created_at", "-id")[:5])
    return {
        "count": counts["total"],
        "open": counts["open"],
        "completed": counts["completed"],
        "latest": [
            {
                "id": case.pk,
                "number": case.number,
                "order": case.order.number,
                "type": case.type,
                "status": case.status,
                "created_at": case.created_at.isoformat(),
            }
            for case in latest
        ],
    }


def pending_approval_count(*, access: StoreAccess) -> int:
    """Pending cases the caller may decide (never their own applications)."""
    if not access.can("aftersales.approve"):
        return 0
    return _scoped(access).filter(status=Case.Status.PENDING_APPROVAL).exclude(applicant_id=access.user.pk).count()
