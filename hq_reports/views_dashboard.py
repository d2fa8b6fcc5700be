"""HQ dashboard pages (public host): the consolidated figures and the drill-down into a store.

Both are rendered on the server from the same bodies as the API (``api_dashboard.dashboard_query``
and ``drilldown.store_kanban``); ECharts draws the trend and the rankings from the embedded JSON.
A filter change reloads the page with the new query (GET form).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from hq_reports import selectors
from hq_reports.api_dashboard import PLATFORMS, dashboard_query, store_kanban_query
from hq_reports.dashboard import HEADLINE_KEYS, store_refs
from shared_apps.accounts.views import hq_page
from shared_apps.platform.errors import DomainError
from shared_apps.reporting.catalogue import KANBAN, Kind, metric
from shared_apps.reporting.display import change_view, figure_cards, value_text
from tenants.provisioning import CHANNEL_LABELS

RANGES = (("today", _("Today")), ("7d", _("7 days")), ("30d", _("30 days")), ("custom", _("Custom")))


def _rows(rows: list[dict]) -> list[dict]:
    """Per-store (or per-subsidiary) rows with display text: amounts compact (exact as ``*_exact``)."""
    gmv = metric("gmv")
    out = []
    for row in rows:
        texts = {}
        for key in HEADLINE_KEYS:
            if key in row:
                kind = metric(key).kind
                texts[f"{key}_text"] = value_text(kind, row[key], compact=True)
                if kind == Kind.AMOUNT:
                    texts[f"{key}_exact"] = value_text(kind, row[key])
        change = change_view(gmv.kind, row.get("gmv_change"), row.get("gmv_trend"))
        out.append({**row, **texts, "gmv_change_view": change})
    return out


def _labels() -> dict:
    return {"gmv": str(_("Transaction amount")), "orders": str(_("Orders")), "amount": str(_("Amount"))}


def _query_context(request) -> dict:
    params = request.GET
    return {
        "ranges": RANGES,
        "range": params.get("range") or "30d",
        "start": params.get("start", ""),
        "end": params.get("end", ""),
        "channel": params.get("channel", ""),
        # Channel platforms by their names in the reader's language ("Tmall" / "天猫"), not their codes.
        "platform_choices": [(code, CHANNEL_LABELS.get(code, code)) for code in PLATFORMS],
        "platform_labels": {code: str(label) for code, label in CHANNEL_LABELS.items()},
    }


@hq_page
def dashboard(request):
    context = {
        **_query_context(request),
        "subsidiaries": selectors.subsidiary_list(),
        # (value, name) of the store filter's options, from the dashboard's own store list (read again
        # only when a store changed: a thousand options would otherwise be a thousand model rows).
        "store_options": [(str(ref.pk), ref.name) for ref in store_refs(selectors.store_list())],
        "subsidiary": request.GET.get("subsidiary", ""),
        "store": request.GET.get("store", ""),
        "labels": _labels(),
    }
    try:
        body = dashboard_query(request.GET)
    except DomainError as exc:
        context["error"] = exc
        return render(request, "hq/dashboard.html", context, status=400 if exc.status == 400 else exc.status)
    behind = _behind(body["stores"])
    store_page = Paginator(body["stores"], STORES_PER_PAGE).get_page(request.GET.get("page"))
    context.update(
        body=body,
        chart_body=_chart_body(body),
        period_label=_period_label(body["period"]),
        cards=figure_cards(KANBAN, body["metrics"]),
        store_rows=_rows(store_page.object_list),
        store_page=store_page,
        page_query=_without(request, "page"),
        subsidiary_rows=_rows(body["subsidiaries"]),
        query=request.GET.urlencode(),
        drill_query=_drill_query(request),
        as_of=_moment(body["as_of"]),
        behind_rows=behind[:BEHIND_LISTED],
        behind_more=len(behind[BEHIND_LISTED:]),
    )
    return render(request, "hq/dashboard.html", context)


# Stores named in the "behind" warning; the others are counted.
BEHIND_LISTED = 20
# Store rows per page of the store table, by transaction amount (a thousand stores would make a page
# of megabytes); the API gives them all.
STORES_PER_PAGE = 50
# Stores in the "Top stores" chart.
CHART_STORES = 10


def _chart_body(body: dict) -> dict:
    """What the page's charts draw (hq/dashboard.js), not the whole body: its store rows are the table's."""
    return {
        "period": body["period"],
        "sales_trend": body["sales_trend"],
        "stores": [{"name": row["name"], "gmv": row["gmv"]} for row in body["stores"][:CHART_STORES]],
        "product_ranking": body["product_ranking"],
        "category_ranking": body["category_ranking"],
    }


def _without(request, *names: str) -> str:
    """The request's query string without ``names``."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _behind(rows: list[dict]) -> list[dict]:
    """The stores more than a minute behind, the longest behind first."""
    behind = [{"id": row["id"], "name": row["name"], "as_of": _moment(row["as_of"])} for row in rows if row["behind"]]
    return sorted(behind, key=lambda row: (row["as_of"], row["name"]))


def _period_label(period: dict) -> str:
    """``2026-11-17 – 2026-11-23`` (whole-day ranges end at the midnight after their last day)."""
    start, end = period["start"], period.get("end") or ""
    if period.get("range") == "today" or not end:
        return f"{start[:10]} {start[11:16]} – {end[11:16]}".rstrip(" –")
    last = date.fromisoformat(end[:10]) - timedelta(days=1)
    return f"{start[:10]} – {last.isoformat()}"


def _drill_query(request) -> str:
    return _without(request, "store", "subsidiary", "page")


@hq_page
def store_dashboard(request, store_id: int):
    try:
        store = selectors.store_get(store_id=store_id)
    except DomainError:
        raise Http404 from None
    context = {**_query_context(request), "target": store, "labels": _labels()}
    try:
        body = store_kanban_query(request, store)
    except DomainError as exc:
        context["error"] = exc
        return render(request, "hq/dashboard_store.html", context, status=exc.status)
    context.update(body=body, period_label=_period_label(body["period"]), cards=figure_cards(KANBAN, body["metrics"]))
    return render(request, "hq/dashboard_store.html", context)
