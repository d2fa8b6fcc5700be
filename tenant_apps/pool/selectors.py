"""Reads of the shared pool, always through the caller's visibility.

Everyone with ``pool.view`` sees the pool. Claims and releases are scoped like customers, by the
applicant / former owner: a salesperson sees their own, a supervisor their team's and their own
(the whole store when the store has no teams), admins, finance and HQ the whole store.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.accounts.models import User
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.customers.models import Customer
from tenant_apps.customers.selectors import customer_list
from tenant_apps.pool.models import Claim, Release
from tenant_apps.pool.policies import PoolPolicy, grade_overrides, pool_policies, pool_policy

__all__ = [
    "PoolPolicy",
    "claim_get_for_user",
    "claim_list",
    "customer_pool_history",
    "grade_overrides",
    "pending_claim_count",
    "pool_customers",
    "pool_policies",
    "pool_policy",
    "release_list",
]

POOL_FILTERS = ("days_in_pool",)
CLAIM_STATUS_CHOICES = Claim.Status.choices
RELEASE_CAUSE_CHOICES = Release.Cause.choices


def _int_filter(filters: dict, key: str, errors: dict[str, list[str]], *, minimum: int = 0) -> int | None:
    value = filters.get(key)
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[key] = [_("A whole number.")]
        return None
    if number < minimum or number > 100_000:
        errors[key] = [_("A whole number from %(low)d.") % {"low": minimum}]
        return None
    return number


def pool_customers(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Customer]:
    """Customers in the pool, with the customer list's filters (``q``, ``grade``, ``province``,
    ``channel``, ``tag``, ``ordering``) and ``days_in_pool`` (in the pool for at least that many
    days). Annotated with ``pending_claims`` and ``my_pending_claim`` (the caller's)."""
    filters = dict(filters or {})
    errors: dict[str, list[str]] = {}
    days = _int_filter(filters, "days_in_pool", errors)
    for key in (*POOL_FILTERS, "in_pool"):
        filters.pop(key, None)
    filters.pop("owner", None)
    if not filters.get("ordering"):
        filters.pop("ordering", None)
    try:
        qs = customer_list(access=access, filters={**filters, "in_pool": True})
    except ValidationFailed as exc:
        errors.update(exc.errors)
        qs = Customer.objects.none()
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    if days is not None:
        cutoff = timezone.now() - timedelta(days=days)
        qs = qs.filter(Q(released_at__lte=cutoff) | Q(released_at__isnull=True, created_at__lte=cutoff))
    if not filters.get("ordering"):
        qs = qs.order_by(F("released_at").desc(nulls_last=True), "-id")
    pending = Claim.objects.filter(customer_id=OuterRef("pk"), status=Claim.Status.PENDING)
    return qs.annotate(
        pending_claims=Coalesce(
            Subquery(pending.order_by().values("customer_id").annotate(n=Count("pk")).values("n")[:1]), 0
        ),
        my_pending_claim=Exists(pending.filter(applicant_id=access.user.pk)),
    )


def _scoped(qs: QuerySet, *, access: StoreAccess, field: str) -> QuerySet:
    owners = visible_owner_ids(access)
    if owners is None:
        return qs
    return qs.filter(**{f"{field}__in": owners})


def _user_filter(value: Any, access: StoreAccess, key: str, errors: dict[str, list[str]]) -> int | None:
    text = str(value).strip()
    if text == "me":
        return access.user.pk
    if text.isdigit():
        return int(text)
    errors[key] = [_("A user id or “me”.")]
    return None


def claim_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Claim]:
    """Claims ``access`` may follow, newest first. Filters: ``status``, ``customer`` (id),
    ``applicant`` (user id or "me"), ``pending_for_me`` (claims the caller may decide)."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = _scoped(Claim.objects.all(), access=access, field="applicant_id")
    status = str(filters.get("status") or "").strip()
    if status:
        if status not in Claim.Status.values:
            errors["status"] = [_("One of: %(values)s.") % {"values": ", ".join(Claim.Status.values)}]
        else:
            qs = qs.filter(status=status)
    customer = filters.get("customer")
    if customer not in (None, ""):
        number = _int_filter(filters, "customer", errors, minimum=1)
        if number is not None:
            qs = qs.filter(customer_id=number)
    applicant = filters.get("applicant")
    if applicant not in (None, ""):
        user_id = _user_filter(applicant, access, "applicant", errors)
        if user_id is not None:
            qs = qs.filter(applicant_id=user_id)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs.select_related("customer", "applicant", "decided_by").order_by("-created_at", "-id")


def claim_get_for_user(*, claim_id: Any, access: StoreAccess) -> Claim:
    """One claim the caller may follow; "missing" and "not yours" are the same 404."""
    try:
        pk = int(claim_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such claim.")) from None
    claim = claim_list(access=access).filter(pk=pk).first()
    if claim is None:
        raise NotFound(_("No such claim."))
    return claim


def pending_claims_to_decide(*, access: StoreAccess) -> QuerySet[Claim]:
    """The pending claims the caller may approve or reject (never their own)."""
    if not access.can("claims.approve"):
        return Claim.objects.none()
    return claim_list(access=access, filters={"status": Claim.Status.PENDING}).exclude(applicant_id=access.user.pk)


def pending_claim_count(*, access: StoreAccess) -> int:
    return pending_claims_to_decide(access=access).count()


def release_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Release]:
    """Releases (the audit of customers going back to the pool), scoped by former owner.
    Filters: ``cause``, ``customer`` (id), ``former_owner`` (user id or "me")."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = _scoped(Release.objects.all(), access=access, field="former_owner_id")
    cause = str(filters.get("cause") or "").strip()
    if cause:
        if cause not in Release.Cause.values:
            errors["cause"] = [_("One of: %(values)s.") % {"values": ", ".join(Release.Cause.values)}]
        else:
            qs = qs.filter(cause=cause)
    if filters.get("customer") not in (None, ""):
        number = _int_filter(filters, "customer", errors, minimum=1)
        if number is not None:
            qs = qs.filter(customer_id=number)
    if filters.get("former_owner") not in (None, ""):
        user_id = _user_filter(filters["former_owner"], access, "former_owner", errors)
        if user_id is not None:
            qs = qs.filter(former_owner_id=user_id)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs.select_related("customer").order_by("-at", "-id")


def _names(ids: set[int]) -> dict[int, str]:
    ids.discard(None)
    return {pk: name or email for pk, name, email in User.objects.filter(pk__in=ids).values_list("pk", "name", "email")}


def customer_pool_history(*, customer) -> list[dict]:
    """The customer's releases and claims, newest first, as plain data (for the 360° summary).

    Release: ``{"type": "release", "id", "at", "cause", "cause_label", "reason", "deadline",
    "former_owner", "former_owner_name", "by", "by_name"}``. Claim: ``{"type": "claim", "id",
    "at", "status", "status_label", "reason", "applicant", "applicant_name", "decided_by",
    "decided_by_name", "decided_at", "decision_reason"}``.
    """
    releases = list(Release.objects.filter(customer_id=customer.pk).order_by("-at", "-id"))
    claims = list(Claim.objects.filter(customer_id=customer.pk).order_by("-created_at", "-id"))
    names = _names(
        {r.former_owner_id for r in releases}
        | {r.by_id for r in releases}
        | {c.applicant_id for c in claims}
        | {c.decided_by_id for c in claims}
    )
    rows: list[dict] = []
    for release in releases:
        rows.append(
            {
                "type": "release",
                "id": release.pk,
                "at": release.at,
                "cause": release.cause,
                "cause_label": str(Release.Cause(release.cause).label),
                "reason": release.reason,
                "deadline": release.deadline,
                "former_owner": release.former_owner_id,
                "former_owner_name": names.get(release.former_owner_id, ""),
                "by": release.by_id,
                "by_name": names.get(release.by_id, ""),
            }
        )
    for claim in claims:
        rows.append(
            {
                "type": "claim",
                "id": claim.pk,
                "at": claim.created_at,
                "status": claim.status,
                "status_label": str(Claim.Status(claim.status).label),
                "reason": claim.reason,
                "applicant": claim.applicant_id,
                "applicant_name": names.get(claim.applicant_id, ""),
                "decided_by": claim.decided_by_id,
                "decided_by_name": names.get(claim.decided_by_id, ""),
                "decided_at": claim.decided_at,
                "decision_reason": claim.decision_reason,
            }
        )
    rows.sort(key=lambda row: (row["at"], row["id"]), reverse=True)
    return rows
