"""Reads of HQ's customer insights: only public rows written by the nightly jobs (no store schema,
no computation but filtering), so the answer costs a few indexed reads whatever the number of stores."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hq_insights.benchmarks import METRICS, RISE_IS_GOOD
from hq_insights.models import CrossStoreBuyers, StoreBenchmark, StoreInsight
from hq_reports.selectors import subsidiary_find
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.insights.segments import BAND_KEYS, SEGMENTS
from tenants.models import Store

METRIC_LABELS = {
    "gmv_growth": gettext_lazy("GMV growth"),
    "conversion_rate": gettext_lazy("Conversion rate"),
    "lost_rate": gettext_lazy("Lost rate"),
    "receivable_overdue": gettext_lazy("Overdue receivables"),
}


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment is not None else None


def insights_body(*, filters: dict) -> dict:
    stores = Store.objects.stores().order_by("name", "pk")
    subsidiary = (filters.get("subsidiary") or "").strip()
    if subsidiary:
        found = subsidiary_find(ref=subsidiary)
        if found is None:
            raise ValidationFailed(_("Invalid filter."), errors={"subsidiary": [_("No such subsidiary.")]})
        stores = stores.filter(subsidiary=found)
    store = (filters.get("store") or "").strip()
    if store:
        if not store.isdigit():
            raise ValidationFailed(_("Invalid filter."), errors={"store": [_("A store id.")]})
        stores = stores.filter(pk=int(store))
    refs = list(stores.values_list("pk", "name", "subdomain", "subsidiary_id", "subsidiary__name"))
    ids = [row[0] for row in refs]
    insights = {row.store_id: row for row in StoreInsight.objects.filter(store_id__in=ids)}
    platform = (filters.get("platform") or "").strip()
    if platform:
        refs = [row for row in refs if getattr(insights.get(row[0]), "platform", "") == platform]
    day = StoreBenchmark.objects.aggregate(day=Max("day"))["day"]
    benchmarks = {}
    if day is not None:
        benchmarks = {row.store_id: row for row in StoreBenchmark.objects.filter(day=day, store_id__in=ids)}
    segment_totals = {s.key: [0, Decimal("0.00")] for s in SEGMENTS}
    band_totals = dict.fromkeys(BAND_KEYS, 0)
    expected = 0.0
    rows = []
    for pk, name, subdomain, subsidiary_id, subsidiary_name in refs:
        insight = insights.get(pk)
        bench = benchmarks.get(pk)
        mix = []
        for segment in SEGMENTS:
            customers, gmv = (insight.segments.get(segment.key) if insight else None) or (0, "0.00")
            segment_totals[segment.key][0] += customers
            segment_totals[segment.key][1] += Decimal(gmv)
            mix.append({"segment": segment.key, "customers": customers, "gmv": gmv})
        bands = {key: (insight.bands.get(key, 0) if insight else 0) for key in BAND_KEYS}
        for key, count in bands.items():
            band_totals[key] += count
        expected += insight.expected_churners if insight else 0.0
        rows.append(
            {
                "id": pk,
                "name": name,
                "subdomain": subdomain,
                "subsidiary": subsidiary_id,
                "subsidiary_name": subsidiary_name,
                "platform": insight.platform if insight else "",
                "state": insight.state if insight else "not_published",
                "scored_at": _iso(insight.scored_at) if insight else None,
                "model": insight.model_kind if insight else "",
                "customers_scored": insight.customers_scored if insight else 0,
                "segment_mix": mix,
                "churn": {**bands, "expected_churners": round(insight.expected_churners, 2) if insight else 0.0},
                "benchmarks": _benchmarks(bench),
            }
        )
    latest = CrossStoreBuyers.objects.order_by("-computed_at").first()
    return {
        "day": day.isoformat() if day else None,
        "metrics": [
            {"key": key, "label": str(METRIC_LABELS[key]), "rise_is_good": RISE_IS_GOOD[key]} for key in METRICS
        ],
        "segments": [
            {
                **segment.as_dict(),
                "customers": segment_totals[segment.key][0],
                "gmv": f"{segment_totals[segment.key][1]:.2f}",
            }
            for segment in SEGMENTS
        ],
        "churn_totals": {**band_totals, "expected_churners": round(expected, 2)},
        "stores": rows,
        "cross_store_buyers": {
            "buyers": latest.buyers if latest else 0,
            "in_two_or_more_stores": latest.in_two_or_more_stores if latest else 0,
            "gmv": f"{latest.gmv:.2f}" if latest else "0.00",
            "computed_at": _iso(latest.computed_at) if latest else None,
            "top": latest.top if latest else [],
        },
    }


def _benchmarks(bench: StoreBenchmark | None) -> dict:
    out = {}
    for metric in METRICS:
        if bench is None:
            out[metric] = {"value": None, "subsidiary_percentile": None, "platform_percentile": None, "anomaly": None}
            continue
        pct = bench.percentiles.get(metric, {})
        anomaly = bench.anomalies.get(metric, {})
        out[metric] = {
            "value": bench.values.get(metric),
            "subsidiary_percentile": pct.get("subsidiary"),
            "platform_percentile": pct.get("platform"),
            "anomaly": anomaly.get("flag"),
            "band": [anomaly["low"], anomaly["high"]] if anomaly.get("low") is not None else None,
        }
    return out
