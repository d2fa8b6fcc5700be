"""Reads of customer intelligence, always through the caller's customer visibility (the customers
app's ``visible_customers``: a salesperson sees their own customers and the pool, a supervisor their
team, admins the store).

Filters: ``segment`` (one of ``segments.SEGMENT_KEYS``), ``churn_band`` (``low``, ``medium``,
``high``; several separated by commas), ``owner`` (a user id or ``me``), ``in_pool`` (true/false),
``include_dismissed`` (the at-risk list leaves out customers dismissed as "not at risk" in their
current band unless true). An unknown value is a ValidationFailed (400) naming the allowed values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.insights.models import CustomerScore, Dismissal, ModelRun
from tenant_apps.insights.segments import BAND_KEYS, BANDS, SEGMENT_KEYS, SEGMENTS

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _allowed_error(field: str, allowed: tuple[str, ...]) -> ValidationFailed:
    return ValidationFailed(
        _("Unknown %(field)s.") % {"field": field},
        errors={field: [_("One of: %(values)s.") % {"values": ", ".join(allowed)}]},
        extra={"allowed": {field: list(allowed)}},
    )


def parse_segment(value: str) -> str:
    value = value.strip().lower()
    if value not in SEGMENT_KEYS:
        raise _allowed_error("segment", SEGMENT_KEYS)
    return value


def parse_bands(value: str) -> list[str]:
    bands = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not bands or any(band not in BAND_KEYS for band in bands):
        raise _allowed_error("churn_band", BAND_KEYS)
    return list(dict.fromkeys(bands))


def _bool(value: Any, field: str) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _allowed_error(field, ("true", "false"))


def scores_for(*, access: StoreAccess) -> QuerySet[CustomerScore]:
    """The scores of the customers ``access`` may see."""
    visible = customer_selectors.visible_customers(access=access)
    return CustomerScore.objects.filter(customer__in=visible.values("pk"))


def scored_list(*, access: StoreAccess, filters: dict | None = None, at_risk: bool = False) -> QuerySet[CustomerScore]:
    """Scores visible to ``access``, filtered; the at-risk list (``at_risk``) highest risk first and
    without active dismissals, otherwise highest value first. Raises ValidationFailed on a bad filter."""
    filters = filters or {}
    qs = scores_for(access=access)
    errors: dict[str, list[str]] = {}
    allowed: dict[str, list[str]] = {}

    def check(function, *args):
        try:
            return function(*args)
        except ValidationFailed as exc:
            errors.update(exc.errors)
            allowed.update(exc.extra.get("allowed", {}))
            return None

    segment = str(filters.get("segment") or "").strip()
    if segment and (parsed := check(parse_segment, segment)):
        qs = qs.filter(segment=parsed)
    band = str(filters.get("churn_band") or "").strip()
    if band and (bands := check(parse_bands, band)):
        qs = qs.filter(churn_band__in=bands)
    owner = str(filters.get("owner") or "").strip()
    if owner:
        if owner == "me":
            qs = qs.filter(customer__owner_id=access.user.pk)
        elif owner.isdigit():
            qs = qs.filter(customer__owner_id=int(owner))
        else:
            errors["owner"] = [_("A user id or “me”.")]
    in_pool = filters.get("in_pool")
    if in_pool not in (None, "") and (flag := check(_bool, in_pool, "in_pool")) is not None:
        qs = qs.filter(customer__owner__isnull=flag)
    include_dismissed = filters.get("include_dismissed")
    show_dismissed = False
    if include_dismissed not in (None, ""):
        show_dismissed = bool(check(_bool, include_dismissed, "include_dismissed"))
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors, extra={"allowed": allowed} if allowed else None)
    qs = qs.annotate(
        dismissed=Exists(
            Dismissal.objects.filter(customer_id=OuterRef("customer_id"), active=True, band=OuterRef("churn_band"))
        )
    )
    if at_risk:
        if not show_dismissed:
            qs = qs.filter(dismissed=False)
        qs = qs.order_by("-churn_probability", "customer_id")
    else:
        qs = qs.order_by("-monetary", "customer_id")
    return qs.select_related("customer", "customer__owner")


def segment_summary(qs: QuerySet[CustomerScore]) -> list[dict]:
    """Per segment, in the order of ``SEGMENTS``: customers and their look-back amount (gmv)."""
    rows = {
        row["segment"]: row
        for row in qs.order_by().values("segment").annotate(customers=Count("pk"), gmv=Sum("monetary"))
    }
    return [
        {
            **segment.as_dict(),
            "customers": rows.get(segment.key, {}).get("customers", 0),
            "gmv": f"{rows.get(segment.key, {}).get('gmv') or Decimal('0'):.2f}",
        }
        for segment in SEGMENTS
    ]


def band_summary(qs: QuerySet[CustomerScore]) -> list[dict]:
    rows = {row["churn_band"]: row["n"] for row in qs.order_by().values("churn_band").annotate(n=Count("pk"))}
    return [
        {
            "band": band.key,
            "name": band.label(),
            "definition": str(band.description),
            "customers": rows.get(band.key, 0),
        }
        for band in BANDS
    ]


def latest_run() -> ModelRun | None:
    return ModelRun.objects.order_by("-at", "-id").first()


def state(run: ModelRun | None) -> dict:
    """Whether the store has scores, and if not, why, in words."""
    if run is None:
        return {
            "state": "not_scored",
            "message": _("Not scored yet: scores are computed every night, or now with “Refresh scores”."),
        }
    if run.kind == ModelRun.Kind.EMPTY:
        return {
            "state": "empty",
            "message": _("This store has no orders yet: RFM segments and churn risk need at least one order."),
        }
    return {"state": "scored", "message": ""}


def model_body(run: ModelRun | None) -> dict | None:
    if run is None:
        return None
    return {
        "kind": run.kind,
        "description": run.get_kind_display(),
        "trained_at": run.at,
        "horizon_days": run.horizon_days,
        "lookback_days": run.lookback_days,
        "customers_scored": run.customers_scored,
        "training_rows": run.training_rows,
        "feedback_rows": run.feedback_rows,
        "auc": run.auc,
        "brier": run.brier,
        "baseline_auc": run.baseline_auc,
        "fallback_reason": run.fallback_reason,
    }


def score_for_customer(*, customer) -> CustomerScore | None:
    """The score of a customer the caller was allowed to load (through the customers' selector)."""
    return (
        CustomerScore.objects.filter(customer_id=customer.pk)
        .annotate(
            dismissed=Exists(
                Dismissal.objects.filter(customer_id=OuterRef("customer_id"), active=True, band=OuterRef("churn_band"))
            )
        )
        .first()
    )


def with_scores(qs):
    """A customers queryset annotated with its segment, band and probability (for exports)."""
    return qs.annotate(
        insight_segment=F("insight_score__segment"),
        insight_band=F("insight_score__churn_band"),
        insight_probability=F("insight_score__churn_probability"),
    )
