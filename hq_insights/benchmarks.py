"""HQ's nightly benchmarks and cross-store buyers (job ``hq.insights``, global), read by the HQ
insights API without any computation but the filtering.

**Figures** (``snapshot``): for every store, over the last 30 local days of its own zone (the HQ
dashboard's runner over the public facts, ``hq_reports.dashboard.figures_by``): GMV growth against
the 30 days before (relative; null when the previous GMV is 0), conversion rate, lost rate (metrics.md)
and overdue receivables at the moment of the snapshot. One row per store and day (``StoreBenchmark``).

**Percentiles**: for each figure, among the stores of the same subsidiary and among the stores of
the same main platform (``StoreInsight.platform``, published by the store), the share of the
*other* peers with a lower value, ties counting half, in percent (0-100); null when the store has no
value or no peer has one. A high percentile means a high value: for the lost rate and overdue
receivables that is bad news (the API says which way is good, ``rise_is_good``).

**Anomaly flags**: a figure is flagged ``above`` or ``below`` when it leaves the store's own
historical band: the mean ± 2 standard deviations of the same figure in the store's snapshots of
the 12 previous weeks (one per week, the same weekday), with at least ``MIN_POINTS`` of them; the
deviation is at least ``FLOOR`` of the figure (1 point of a rate, 5 points of growth, 1 % of the
mean of overdue receivables) so that a perfectly flat history does not flag noise.

**Cross-store buyers** (``cross_store``): buyers are linked across stores when they share a keyed
hash of a normalised id (``BuyerKey``); linked buyers form one person (connected components, so a
mobile in one pair of stores and a WeChat id in another join all three). ``buyers`` counts persons
over all stores (each store's buyers, less the duplicates), ``in_two_or_more_stores`` the persons
found in two or more stores and ``gmv`` their combined lifetime order amount.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum

from hq_insights.models import CrossStoreBuyers, StoreBenchmark, StoreInsight
from hq_reports.dashboard import Scope, figures_by, store_refs, zone_groups
from shared_apps.reporting.periods import rate, relative_change, resolve_period
from tenants.models import Store
from tenants.storetime import zone_named

METRICS = ("gmv_growth", "conversion_rate", "lost_rate", "receivable_overdue")
RISE_IS_GOOD = {"gmv_growth": True, "conversion_rate": True, "lost_rate": False, "receivable_overdue": False}
HISTORY_WEEKS = 12
MIN_POINTS = 4
FLOOR = {"gmv_growth": 0.05, "conversion_rate": 0.01, "lost_rate": 0.01}
PARTS = ("orders", "customers", "lost", "overdue")
TOP_BUYERS = 20


def _number(metric: str, value) -> float | None:
    if value is None:
        return None
    return float(Decimal(value)) if metric == "receivable_overdue" else float(value)


def percentile(value: float | None, others: list[float]) -> float | None:
    """The share of ``others`` below ``value``, ties counting half, in percent."""
    if value is None or not others:
        return None
    below = sum(1 for other in others if other < value)
    equal = sum(1 for other in others if other == value)
    return round(100.0 * (below + 0.5 * equal) / len(others), 1)


def band(history: list[float], metric: str) -> tuple[float, float] | None:
    if len(history) < MIN_POINTS:
        return None
    mean = statistics.fmean(history)
    deviation = statistics.pstdev(history)
    floor = FLOOR.get(metric, abs(mean) * 0.01 or 1.0)
    width = 2 * max(deviation, floor)
    return mean - width, mean + width


def _figures(at: datetime, stores) -> dict[int, dict]:
    refs = store_refs(stores)
    period = resolve_period(range="30d", now=at, tz=zone_named(None))
    out: dict[int, dict] = {}
    for zone_period, store_ids in zone_groups(period, refs, all_stores=True):
        cur, prev = figures_by(zone_period, Scope(store_ids=store_ids), parts=PARTS, breakdown={}, channels={})
        for ref in refs:
            if store_ids is not None and ref.pk not in store_ids:
                continue
            now, before = cur.get(ref.pk), prev.get(ref.pk)
            gmv = now.gmv if now else Decimal("0.00")
            gmv_previous = before.gmv if before else Decimal("0.00")
            out[ref.pk] = {
                "gmv": gmv,
                "gmv_previous": gmv_previous,
                "values": {
                    "gmv_growth": relative_change(gmv, gmv_previous),
                    "conversion_rate": rate(now.converted, now.new_customers) if now else None,
                    "lost_rate": rate(now.released, now.owned_at_start) if now else None,
                    "receivable_overdue": f"{(now.overdue if now else Decimal('0.00')):.2f}",
                },
            }
    return out


def snapshot(*, at: datetime) -> int:
    """Compute and store the benchmark rows of the day of ``at`` (HQ's zone) for every store."""
    day = at.astimezone(zone_named(None)).date()
    stores = Store.objects.stores().select_related("subsidiary").order_by("pk")
    figures = _figures(at, stores)
    platforms = dict(StoreInsight.objects.values_list("store_id", "platform"))
    subsidiaries = dict(stores.values_list("pk", "subsidiary_id"))
    history = _history(day, list(figures))
    groups: dict[tuple[str, object], list[int]] = {}
    for store_id in figures:
        groups.setdefault(("subsidiary", subsidiaries.get(store_id)), []).append(store_id)
        groups.setdefault(("platform", platforms.get(store_id, "")), []).append(store_id)
    rows = []
    for store_id, data in figures.items():
        values = data["values"]
        percentiles, anomalies = {}, {}
        for metric in METRICS:
            mine = _number(metric, values[metric])
            result = {}
            for kind, key in (("subsidiary", subsidiaries.get(store_id)), ("platform", platforms.get(store_id, ""))):
                if kind == "subsidiary" and key is None:
                    result[kind] = None
                    continue
                peers = [
                    v
                    for other in groups[(kind, key)]
                    if other != store_id and (v := _number(metric, figures[other]["values"][metric])) is not None
                ]
                result[kind] = percentile(mine, peers)
            percentiles[metric] = result
            past = [v for v in (_number(metric, h.get(metric)) for h in history.get(store_id, [])) if v is not None]
            limits = band(past, metric)
            flag = None
            if limits is not None and mine is not None:
                flag = "above" if mine > limits[1] else "below" if mine < limits[0] else None
            anomalies[metric] = {
                "flag": flag,
                "low": round(limits[0], 6) if limits else None,
                "high": round(limits[1], 6) if limits else None,
                "points": len(past),
            }
        rows.append(
            StoreBenchmark(
                store_id=store_id,
                day=day,
                subsidiary_id=subsidiaries.get(store_id),
                platform=platforms.get(store_id, ""),
                gmv=data["gmv"],
                gmv_previous=data["gmv_previous"],
                values=values,
                percentiles=percentiles,
                anomalies=anomalies,
                computed_at=at,
            )
        )
    with transaction.atomic():
        StoreBenchmark.objects.filter(day=day).delete()
        StoreBenchmark.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _history(day: date, store_ids: list[int]) -> dict[int, list[dict]]:
    days = [day - timedelta(weeks=week) for week in range(1, HISTORY_WEEKS + 1)]
    out: dict[int, list[dict]] = {}
    for store_id, values in (
        StoreBenchmark.objects.filter(day__in=days, store_id__in=store_ids)
        .order_by("day")
        .values_list("store_id", "values")
    ):
        out.setdefault(store_id, []).append(values)
    return out


# --- cross-store buyers ---------------------------------------------------------------------------

SHARED_SQL = """
WITH shared AS (
    SELECT digest FROM public.hq_insights_buyerkey GROUP BY digest HAVING count(DISTINCT store_id) >= 2
)
SELECT k.store_id, k.customer_id, k.digest, k.gmv
FROM public.hq_insights_buyerkey k JOIN shared ON shared.digest = k.digest
"""


def cross_store(*, at: datetime) -> CrossStoreBuyers:
    with connection.cursor() as cursor:
        cursor.execute(SHARED_SQL)
        rows = cursor.fetchall()
    parent: dict[tuple[int, int], tuple[int, int]] = {}
    value: dict[tuple[int, int], Decimal] = {}

    def find(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    first_by_digest: dict[str, tuple[int, int]] = {}
    for store_id, customer_id, digest, gmv in rows:
        node = (store_id, customer_id)
        parent.setdefault(node, node)
        value[node] = gmv
        other = first_by_digest.setdefault(digest, node)
        a, b = find(node), find(other)
        if a != b:
            parent[a] = b
    components: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for node in parent:
        components.setdefault(find(node), []).append(node)
    multi = [nodes for nodes in components.values() if len({store for store, _c in nodes}) >= 2]
    total_buyers = StoreInsight.objects.aggregate(n=Sum("buyers"))["n"] or 0
    duplicates = sum(len(nodes) - 1 for nodes in components.values())
    names = dict(Store.objects.stores().values_list("pk", "name"))
    top = sorted(multi, key=lambda nodes: -sum(value[n] for n in nodes))[:TOP_BUYERS]
    summary = CrossStoreBuyers.objects.create(
        computed_at=at,
        buyers=max(total_buyers - duplicates, 0),
        in_two_or_more_stores=len(multi),
        gmv=sum((value[n] for nodes in multi for n in nodes), Decimal("0.00")),
        top=[
            {
                "stores": [{"id": s, "name": names.get(s, "")} for s in sorted({store for store, _c in nodes})],
                "gmv": f"{sum(value[n] for n in nodes):.2f}",
            }
            for nodes in top
        ],
    )
    CrossStoreBuyers.objects.filter(computed_at__lt=at - timedelta(days=30)).delete()
    return summary


def run(*, at: datetime) -> dict:
    stores = snapshot(at=at)
    buyers = cross_store(at=at)
    return {"stores": stores, "buyers": buyers.buyers, "in_two_or_more_stores": buyers.in_two_or_more_stores}
