"""Reads of HQ's customer insights: only public rows written by the nightly jobs and the stores'
publications (no store schema, no computation but filtering). The per-store rows are built as JSON
by PostgreSQL in one statement, so that a thousand stores cost one indexed pass and no Python
object per value (``insights_json``); the page reads the same body parsed (``insights_body``).
"""

from __future__ import annotations

import json

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hq_insights.benchmarks import METRICS, RISE_IS_GOOD
from hq_insights.models import CrossStoreBuyers, StoreBenchmark
from hq_reports.selectors import store_list, subsidiary_find
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.replica import hq_reads, read_connection
from tenant_apps.insights.segments import BAND_KEYS, SEGMENT_KEYS, SEGMENTS

METRIC_LABELS = {
    "gmv_growth": gettext_lazy("GMV growth"),
    "conversion_rate": gettext_lazy("Conversion rate"),
    "lost_rate": gettext_lazy("Lost rate"),
    "receivable_overdue": gettext_lazy("Overdue receivables"),
}

STORES_SQL = """
WITH st AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(names)s::text[], %(subdomains)s::text[], %(subsidiaries)s::bigint[],
                         %(subsidiary_names)s::text[]) WITH ORDINALITY
                  AS st(id, name, subdomain, subsidiary_id, subsidiary_name, position)
), s AS (
    SELECT st.id, st.name, st.subdomain, st.subsidiary_id, st.subsidiary_name, st.position,
           i.state, i.scored_at, i.model_kind, i.customers_scored, i.segments, i.bands, i.expected_churners,
           i.platform, b.values, b.percentiles, b.anomalies
    FROM st
    LEFT JOIN hq_insights_storeinsight i ON i.store_id = st.id
    LEFT JOIN hq_insights_storebenchmark b ON b.store_id = st.id AND b.day = %(day)s
    WHERE true {where}
), rows AS (
    SELECT s.position, json_build_object(
        'id', s.id, 'name', s.name, 'subdomain', s.subdomain, 'subsidiary', s.subsidiary_id,
        'subsidiary_name', s.subsidiary_name, 'platform', coalesce(s.platform, ''),
        'state', coalesce(s.state, 'not_published'),
        'scored_at', to_char(s.scored_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD"T"HH24:MI:SS') || %(offset)s,
        'model', coalesce(s.model_kind, ''), 'customers_scored', coalesce(s.customers_scored, 0),
        'segment_mix', (
            SELECT json_agg(json_build_object(
                'segment', k, 'customers', coalesce((s.segments -> k ->> 0)::int, 0),
                'gmv', coalesce(s.segments -> k ->> 1, '0.00')) ORDER BY n)
            FROM unnest(%(segment_keys)s::text[]) WITH ORDINALITY AS u(k, n)),
        'churn', json_build_object(
            'low', coalesce((s.bands ->> 'low')::int, 0), 'medium', coalesce((s.bands ->> 'medium')::int, 0),
            'high', coalesce((s.bands ->> 'high')::int, 0), 'expected_churners', coalesce(s.expected_churners, 0)),
        'benchmarks', (
            SELECT json_object_agg(m, json_build_object(
                'value', s.values -> m,
                'subsidiary_percentile', s.percentiles -> m -> 'subsidiary',
                'platform_percentile', s.percentiles -> m -> 'platform',
                'anomaly', s.anomalies -> m -> 'flag',
                'band', CASE WHEN s.anomalies -> m ->> 'low' IS NULL THEN NULL
                             ELSE json_build_array(s.anomalies -> m -> 'low', s.anomalies -> m -> 'high') END))
            FROM unnest(%(metrics)s::text[]) AS m)
    ) AS body
    FROM s
)
SELECT
    (SELECT coalesce(json_agg(body ORDER BY position), '[]') FROM rows)::text,
    (SELECT json_object_agg(k, json_build_array(
         coalesce(sum_customers, 0), to_char(coalesce(sum_gmv, 0), 'FM999999999999990.00')))
     FROM (SELECT k, sum((s.segments -> k ->> 0)::int) AS sum_customers,
                  sum((s.segments -> k ->> 1)::numeric) AS sum_gmv
           FROM unnest(%(segment_keys)s::text[]) AS k LEFT JOIN s ON true GROUP BY k) t)::text,
    (SELECT json_build_object(
         'low', coalesce(sum((bands ->> 'low')::int), 0), 'medium', coalesce(sum((bands ->> 'medium')::int), 0),
         'high', coalesce(sum((bands ->> 'high')::int), 0),
         'expected_churners', round(coalesce(sum(expected_churners), 0)::numeric, 2))
     FROM s)::text
"""


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment is not None else None


def _filters(filters: dict) -> tuple[str, dict]:
    """The stores listed (HQ's store list, by name) as arrays, and the SQL condition of ``platform``."""
    where, params = "", {}
    stores = store_list()
    subsidiary = (filters.get("subsidiary") or "").strip()
    if subsidiary:
        found = subsidiary_find(ref=subsidiary)
        if found is None:
            raise ValidationFailed(_("Invalid filter."), errors={"subsidiary": [_("No such subsidiary.")]})
        stores = stores.filter(subsidiary=found)
    store = (filters.get("store") or "").strip()
    if store:
        if not store.isdigit() or int(store) > 2**63 - 1:
            raise ValidationFailed(_("Invalid filter."), errors={"store": [_("A store id.")]})
        stores = stores.filter(pk=int(store))
    rows = list(stores.values_list("pk", "name", "subdomain", "subsidiary_id", "subsidiary__name"))
    for index, key in enumerate(("ids", "names", "subdomains", "subsidiaries", "subsidiary_names")):
        params[key] = [row[index] for row in rows]
    platform = (filters.get("platform") or "").strip()
    if platform:
        where += " AND i.platform = %(platform)s"
        params["platform"] = platform[:20]
    return where, params


def insights_json(*, filters: dict) -> str:
    """The body of ``GET /api/v1/hq/insights`` as JSON text (read from the replica when there is
    one). Raises ValidationFailed on a bad filter."""
    with hq_reads():
        return _insights_json(filters=filters)


def _insights_json(*, filters: dict) -> str:
    where, params = _filters(filters)
    day = StoreBenchmark.objects.aggregate(day=Max("day"))["day"]
    now = timezone.localtime(timezone.now())
    offset = now.strftime("%z")
    with read_connection().cursor() as cursor:
        cursor.execute(
            STORES_SQL.format(where=where),
            {
                **params,
                "day": day,
                "tz": str(now.tzinfo),
                "offset": f"{offset[:3]}:{offset[3:]}",
                "segment_keys": list(SEGMENT_KEYS),
                "metrics": list(METRICS),
            },
        )
        stores, segment_totals, churn_totals = cursor.fetchone()
    totals = json.loads(segment_totals or "{}")
    latest = CrossStoreBuyers.objects.order_by("-computed_at").first()
    head = {
        "day": day.isoformat() if day else None,
        "metrics": [
            {"key": key, "label": str(METRIC_LABELS[key]), "rise_is_good": RISE_IS_GOOD[key]} for key in METRICS
        ],
        "segments": [
            {
                **segment.as_dict(),
                "customers": (totals.get(segment.key) or [0, "0.00"])[0],
                "gmv": (totals.get(segment.key) or [0, "0.00"])[1],
            }
            for segment in SEGMENTS
        ],
        "churn_totals": {
            **json.loads(churn_totals),
            "expected_churners": float(json.loads(churn_totals)["expected_churners"]),
        }
        if churn_totals
        else {**dict.fromkeys(BAND_KEYS, 0), "expected_churners": 0.0},
        "cross_store_buyers": {
            "buyers": latest.buyers if latest else 0,
            "in_two_or_more_stores": latest.in_two_or_more_stores if latest else 0,
            "gmv": f"{latest.gmv:.2f}" if latest else "0.00",
            "computed_at": _iso(latest.computed_at) if latest else None,
            "top": latest.top if latest else [],
        },
    }
    text = json.dumps(head, ensure_ascii=False)
    return text[:-1] + ', "stores": ' + stores + "}"


def insights_body(*, filters: dict) -> dict:
    return json.loads(insights_json(filters=filters))
