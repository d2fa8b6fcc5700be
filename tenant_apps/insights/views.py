"""Pages of customer intelligence: the at-risk list (the owner's: their customers; the
supervisor's: their team's; admins: the store), the RFM segments, and what the app adds to other
pages: the customer list's segment and risk filters and export columns, the 360° panel, the Data
Kanban panel and the navigation entry (``register_pages``, from ``AppConfig.ready()``).

Thin views: reads through the selectors (the customers' visibility), writes through the services;
the row buttons post with htmx and get the row back (or nothing once dismissed).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shared_apps.accounts.roles import Scope
from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, ValidationFailed
from tenant_apps.insights import reasons, selectors, services
from tenant_apps.insights.segments import BAND_BY_KEY, BANDS, BY_KEY, SEGMENTS

PAGE_SIZE = 50


def _row(score) -> dict:
    return {
        "score": score,
        "customer": score.customer,
        "percent": round(score.churn_probability * 100),
        "band": BAND_BY_KEY[score.churn_band],
        "segment": BY_KEY[score.segment],
        "reasons": reasons.render_all(score.churn_reasons),
    }


def _error_status(request, exc: DomainError) -> int:
    """htmx swaps only 2xx and 422 answers (static/js/app.js): a refused action is a 422 there."""
    if request.htmx and exc.status not in (403, 404):
        return 422
    return exc.status


def _can_act(access) -> bool:
    return access.can("insights.act") and not access.read_only


@store_page("insights.view")
@require_GET
def at_risk(request):
    """At-risk customers, highest risk first: the owner's own, the supervisor's team's."""
    access = request.store_access
    filters = {key: request.GET.get(key, "") for key in ("segment", "churn_band", "owner") if request.GET.get(key)}
    if "churn_band" not in request.GET:
        filters["churn_band"] = "high,medium"
    if access.scope == Scope.OWN:
        filters["owner"] = "me"
    else:
        filters.setdefault("in_pool", "false")
    error = ""
    try:
        scores = selectors.scored_list(access=access, filters=filters, at_risk=True)
    except ValidationFailed as exc:
        error = " ".join(message for messages in exc.errors.values() for message in messages)
        scores = selectors.scored_list(access=access, filters={}, at_risk=True).none()
    page = Paginator(scores, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    run = selectors.latest_run()
    context = {
        "rows": [_row(score) for score in page.object_list],
        "page": page,
        "filter_query": query.urlencode(),
        "run": run,
        "model": selectors.model_body(run),
        **selectors.state(run),
        "error": error,
        "segments": SEGMENTS,
        "bands": BANDS,
        "selected_segment": request.GET.get("segment", ""),
        "selected_band": filters.get("churn_band", ""),
        "can_act": _can_act(access),
        "can_score": access.can("insights.score") and not access.read_only,
        "show_owner": access.scope != Scope.OWN,
    }
    return render(request, "insights/at_risk.html", context, status=400 if error else 200)


@store_page("insights.view")
@require_GET
def segments(request):
    """The RFM segments of the visible customers: how many, their amount, what each means."""
    access = request.store_access
    run = selectors.latest_run()
    context = {
        "segments": selectors.segment_summary(selectors.scores_for(access=access)),
        "bands": selectors.band_summary(selectors.scored_list(access=access, at_risk=True)),
        "run": run,
        **selectors.state(run),
    }
    return render(request, "insights/segments.html", context)


def _row_response(request, customer_id, *, message: str, status: int = 200):
    score = selectors.scored_list(access=request.store_access, filters={"include_dismissed": "true"}, at_risk=True)
    score = score.filter(customer_id=customer_id).first()
    context = {"row": _row(score) if score else None, "message": message, "can_act": _can_act(request.store_access)}
    context["show_owner"] = request.store_access.scope != Scope.OWN
    return render(request, "insights/_row.html", context, status=status)


@store_page("insights.act")
@require_POST
def follow_up(request, customer_id: int):
    try:
        result = services.follow_up(access=request.store_access, customer_id=customer_id)
    except DomainError as exc:
        return _row_response(request, customer_id, message=exc.detail, status=_error_status(request, exc))
    message = (
        _("Task assigned to the owner.") if result["kind"] == "task" else _("Follow-up due now in “My follow-ups”.")
    )
    if not request.htmx:
        return redirect("insights:at-risk")
    return _row_response(request, customer_id, message=message)


@store_page("insights.act")
@require_POST
def dismiss(request, customer_id: int):
    try:
        services.dismiss(access=request.store_access, customer_id=customer_id, note=request.POST.get("note", ""))
    except DomainError as exc:
        return _row_response(request, customer_id, message=exc.detail, status=_error_status(request, exc))
    if not request.htmx:
        return redirect("insights:at-risk")
    return HttpResponse("")


@store_page("insights.score")
@require_POST
def score(request):
    try:
        services.scoring_request(access=request.store_access)
    except DomainError as exc:
        return render(request, "error.html", {"status": exc.status, "title": exc.detail}, status=exc.status)
    from django.contrib import messages

    messages.success(request, _("Scoring started: the lists refresh in a moment."))
    return redirect(request.POST.get("next") or "insights:at-risk")


# --- what the app adds to other pages -------------------------------------------------------------


def customer_panel(*, customer) -> dict | None:
    """The 360° panel: segment, R/F/M, churn risk and its reasons (None when not scored)."""
    score = selectors.score_for_customer(customer=customer)
    if score is None:
        return None
    segment = BY_KEY[score.segment]
    return {
        "title": _("Customer insights"),
        "segment": score.segment,
        "segment_name": segment.label(),
        "segment_definition": segment.definition(),
        "r": score.r,
        "f": score.f,
        "m": score.m,
        "churn_probability": round(score.churn_probability, 4),
        "churn_band": score.churn_band,
        "churn_band_name": BAND_BY_KEY[score.churn_band].label(),
        "reasons": reasons.render_all(score.churn_reasons),
        "dismissed": bool(score.dismissed),
        "scored_at": score.scored_at.isoformat(),
    }


def kanban_panel(request) -> dict | None:
    access = request.store_access
    run = selectors.latest_run()
    return {
        "segments": selectors.segment_summary(selectors.scores_for(access=access)),
        "bands": selectors.band_summary(selectors.scored_list(access=access, at_risk=True)),
        "run": run,
        **selectors.state(run),
    }


def _segment_filter(qs, value: str):
    return qs.filter(insight_score__segment=selectors.parse_segment(value))


def _band_filter(qs, value: str):
    return qs.filter(insight_score__churn_band__in=selectors.parse_bands(value))


def _export_columns() -> list:
    def segment_name(customer):
        key = getattr(customer, "insight_segment", None)
        return BY_KEY[key].label() if key else ""

    def band_name(customer):
        key = getattr(customer, "insight_band", None)
        return BAND_BY_KEY[key].label() if key else ""

    def probability(customer):
        value = getattr(customer, "insight_probability", None)
        return round(value, 4) if value is not None else None

    return [(_("RFM segment"), segment_name), (_("Churn risk"), band_name), (_("Churn probability"), probability)]


def register_pages() -> None:
    from shared_apps.platform.navigation import register_nav
    from tenant_apps.customers.panels import register_customer_panel, register_export_columns, register_list_filter
    from tenant_apps.kanban.panels import register_kanban_panel

    register_nav(
        key="insights",
        label=gettext_lazy("Customer insights"),
        url_name="insights:at-risk",
        permission="insights.view",
        icon="alert-triangle",
        order=22,
    )
    register_customer_panel("insights", customer_panel)
    register_list_filter(
        "segment",
        label=gettext_lazy("RFM segment"),
        choices=lambda: [("", _("All segments")), *((s.key, s.label()) for s in SEGMENTS)],
        apply=_segment_filter,
        description="An RFM segment (the latest scoring run); 400 for an unknown one.",
    )
    register_list_filter(
        "churn_band",
        label=gettext_lazy("Churn risk"),
        choices=lambda: [("", _("Any risk")), *((b.key, b.label()) for b in BANDS)],
        apply=_band_filter,
        description="Churn risk bands, comma-separated; 400 for an unknown one.",
        multiple=True,
    )
    register_export_columns("insights", prepare=selectors.with_scores, columns=_export_columns)
    register_kanban_panel(
        "insights", template="insights/_kanban_panel.html", context=kanban_panel, permission="insights.view", order=50
    )
