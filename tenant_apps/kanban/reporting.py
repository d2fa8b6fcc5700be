"""The store Data Kanban and enquiry statistics as JSON-ready bodies (api.md, metrics.md).

``kanban_body`` is the body of ``GET /api/v1/kanban``; HQ's drill-down calls the very same
function in the store's schema, so HQ and the store never disagree. Run with the store's schema
active. Amounts are decimal strings with 2 places, counts integers, rates floats (6 places) or
``None``; each headline figure is ``{"value", "previous", "change", "trend"}`` as the metric
catalogue (``shared_apps.reporting.catalogue``) declares it: ``change`` is the relative change for
amounts and counts and the difference for rates, ``trend`` says whether it is good or bad news.

Result cache (``cached_kanban_body``): the key is the store schema, the query, the local hour
and the id of the newest outbox event (``SELECT max(id) FROM outbox_reporting_event``). Every write
that changes a figure (orders, payments, customers, follow-ups, releases, enquiries) publishes an
outbox event in its own transaction, so the first read after the commit misses the cache and
recomputes. The local hour in the key keeps time-dependent figures (today's hourly trend, overdue
receivables at the date change) fresh without any write.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from shared_apps.reporting.catalogue import COST_KEYS, ENQUIRY, KANBAN, metrics_body
from shared_apps.reporting.periods import Period, money, rate
from tenant_apps.kanban import metrics, rollups
from tenant_apps.kanban.metrics import Filters
from tenant_apps.workspace.selectors import store_settings_get

CACHE_SECONDS = 300
# Part of the cache key: a body cached before a change of its shape is not served after it.
BODY_VERSION = 3


def _aov(gmv: Decimal, orders: int) -> Decimal | None:
    return (gmv / orders).quantize(Decimal("0.01")) if orders else None


def _headline(period: Period, filters: Filters) -> tuple[dict, dict, dict]:
    """(current values, previous values, the order figures) of every headline key."""
    orders = metrics.order_figures(period, filters)
    customers = metrics.customer_figures(period, filters)
    window = store_settings_get().return_visit_window_days
    completion = metrics.completion_figures(period, filters, window_days=window)
    lost = metrics.lost_figures(period, filters)
    enquiries = metrics.enquiry_counts(period, filters)
    net_cur, net_prev = metrics.net_revenue(period, filters)
    overdue_cur, overdue_prev = metrics.receivable_overdue_at([period, period.previous()], filters)

    def values(side: str, net, overdue) -> dict:
        o, c, f, lo, e = (
            orders[side],
            customers[side],
            completion[side],
            lost[side],
            enquiries[side],
        )
        return {
            "gmv": o["gmv"],
            "orders": o["orders"],
            "aov": _aov(o["gmv"], o["orders"]),
            "paying_customers": o["paying_customers"],
            "repurchase_rate": rate(o["repeat_customers"], o["paying_customers"]),
            "new_customers": c["new_customers"],
            "entry_rate": rate(c["new_customers"], e["new_enquiries"]),
            "conversion_rate": rate(c["converted"], c["new_customers"]),
            "positive_feedback_rate": rate(f["positive"], f["rated"]),
            "return_visit_rate": rate(f["visited"], f["completed"]),
            "lost_rate": rate(lo["released"], lo["owned_at_start"]),
            "net_revenue": net,
            "receivable_overdue": overdue,
            "gross_profit": o["gmv"] - o["cost"],
            "gross_margin": rate(o["gmv"] - o["cost"], o["gmv"]),
            "lines_without_cost": o["lines_without_cost"],
        }

    return values("current", net_cur, overdue_cur), values("previous", net_prev, overdue_prev), orders


def kanban_body(*, period: Period, channel_id: int | None = None, salesperson_id: int | None = None, limit=10) -> dict:
    """The body of ``GET /api/v1/kanban`` for ``period`` and the filters (api.md "Kanban")."""
    filters = Filters(channel_id=channel_id, salesperson_id=salesperson_id)
    with transaction.atomic(), rollups.read_scope():
        metrics.tune_session()
        current, previous, orders = _headline(period, filters)
        ranks = metrics.rankings(period, filters, limit=int(limit))
        parts = metrics.breakdowns(period, filters)
    mix = orders["customer_mix"]
    return {
        "period": period.as_dict(),
        "previous_period": period.previous().as_dict(),
        "filters": {"channel": channel_id, "salesperson": salesperson_id},
        "metrics": metrics_body(KANBAN, current, previous),
        "product_ranking": [{**row, "amount": money(row["amount"])} for row in ranks["product_ranking"]],
        "category_ranking": [{**row, "amount": money(row["amount"])} for row in ranks["category_ranking"]],
        "sales_trend": [{**row, "gmv": money(row["gmv"])} for row in parts["sales_trend"]],
        "customer_mix": {
            side: {"count": int(mix[side]["count"]), "gmv": money(mix[side]["gmv"])} for side in ("new", "returning")
        },
        "geography": [{**row, "gmv": money(row["gmv"])} for row in parts["geography"]],
        "devices": [{**row, "gmv": money(row["gmv"])} for row in parts["devices"]],
    }


def cache_key(*, kind: str, period: Period, params: dict) -> str:
    local_now = period.now.astimezone(period.tz)
    raw = json.dumps(
        {
            "schema": connection.schema_name,
            "kind": kind,
            "body": BODY_VERSION,
            "range": period.range,
            "start": period.start.isoformat(),
            "end": period.end.isoformat() if period.range != "today" else None,
            "hour": local_now.strftime("%Y-%m-%d %H"),
            "watermark": metrics.outbox_watermark(),
            **params,
        },
        sort_keys=True,
        default=str,
    )
    return "kanban:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_kanban_body(
    *, period: Period, channel_id: int | None = None, salesperson_id: int | None = None, limit=10
) -> dict:
    """``kanban_body`` through the result cache (see the module docstring); same body."""
    if not getattr(settings, "KANBAN_CACHE_SECONDS", CACHE_SECONDS):
        return kanban_body(period=period, channel_id=channel_id, salesperson_id=salesperson_id, limit=limit)
    key = cache_key(
        kind="kanban", period=period, params={"channel": channel_id, "salesperson": salesperson_id, "limit": limit}
    )
    body = cache.get(key)
    if body is None:
        body = kanban_body(period=period, channel_id=channel_id, salesperson_id=salesperson_id, limit=limit)
        cache.set(key, body, getattr(settings, "KANBAN_CACHE_SECONDS", CACHE_SECONDS))
    return {**body, "period": period.as_dict(), "previous_period": period.previous().as_dict()}


def _user_names(ids) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=list(ids)).only("id", "name", "email")
    return {u.pk: (getattr(u, "name", "") or u.email) for u in users}


def enquiry_stats_body(*, period: Period, channel_id: int | None = None, salesperson_id: int | None = None) -> dict:
    """The body of ``GET /api/v1/enquiries/stats``: the four rates of metrics.md with the raw
    counts, for P and P', plus rows per channel and per salesperson over P."""
    from tenant_apps.workspace.selectors import channel_list

    filters = Filters(channel_id=channel_id, salesperson_id=salesperson_id)
    enquiries = metrics.enquiry_counts(period, filters)
    contacts = metrics.contact_counts(period, filters)
    customers = metrics.customer_figures(period, filters)
    paying_cur, paying_prev = metrics.first_payment_customers(period, filters)

    def counts(side: str, paying: int) -> dict:
        return {
            **enquiries[side],
            **contacts[side],
            "converted_customers": customers[side]["converted"],
            "paying_customers": paying,
        }

    def rates(c: dict) -> dict:
        new = c["new_enquiries"]
        return {
            "phone_conversion_rate": rate(c["phone_contacts"], new),
            "wechat_conversion_rate": rate(c["wechat_added"], new),
            "enquiry_conversion_rate": rate(c["converted_customers"], new),
            "enquiry_payment_rate": rate(c["paying_customers"], new),
        }

    cur, prev = counts("current", paying_cur), counts("previous", paying_prev)
    rates_cur, rates_prev = rates(cur), rates(prev)

    by_channel = metrics.enquiries_by_channel(period)
    conv = metrics.customer_conversion_by_channel(period, Filters(salesperson_id=salesperson_id))
    channel_rows = []
    for channel in channel_list():
        if channel_id is not None and channel.pk != channel_id:
            continue
        total, new = by_channel.get(channel.pk, (0, 0))
        converted = conv["converted"].get(channel.pk, 0)
        paying = conv["paying"].get(channel.pk, 0)
        channel_rows.append(
            {
                "channel": channel.pk,
                "code": channel.code,
                "name": channel.name,
                "enquiries": total,
                "new_enquiries": new,
                "converted_customers": converted,
                "paying_customers": paying,
                "enquiry_conversion_rate": rate(converted, new),
                "enquiry_payment_rate": rate(paying, new),
            }
        )

    by_person = metrics.contacts_by_salesperson(period)
    if salesperson_id is not None:
        by_person = {k: v for k, v in by_person.items() if k == salesperson_id}
    names = _user_names(by_person)
    new_total = cur["new_enquiries"]
    person_rows = [
        {
            "salesperson": user_id,
            "name": names.get(user_id, ""),
            "wechat_added": wechat,
            "phone_contacts": phone,
            "wechat_conversion_rate": rate(wechat, new_total),
            "phone_conversion_rate": rate(phone, new_total),
        }
        for user_id, (wechat, phone) in sorted(by_person.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    ]
    return {
        "period": period.as_dict(),
        "previous_period": period.previous().as_dict(),
        "filters": {"channel": channel_id, "salesperson": salesperson_id},
        "metrics": metrics_body(ENQUIRY, rates_cur, rates_prev),
        "counts": cur,
        "previous_counts": prev,
        "channels": channel_rows,
        "salespeople": person_rows,
    }


def without_costs(body: dict) -> dict:
    """A Kanban body without the figures made from cost prices (for those who may not see costs)."""
    return {**body, "metrics": {k: v for k, v in body["metrics"].items() if k not in COST_KEYS}}
