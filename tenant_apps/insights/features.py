"""Per-customer figures at a moment, computed in SQL over the reporting views other apps publish
(``sales_reporting_order``, ``customers_reporting_customer``, ``customers_reporting_followup``,
``aftersales_reporting_case``): never another app's table.

``customer_figures(at=...)`` returns, for every live customer (not merged away) with at least one
non-cancelled order signed before ``at``, one ``Figures`` row: the RFM inputs and the churn
features' raw values. Days are counted in the store's local days (``tenants.storetime``), so a
customer who ordered yesterday evening in Shanghai is 1 day ago whatever the server's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection

from tenants.storetime import store_zone

FIGURES_SQL = """
WITH o AS (
    SELECT o.customer_id, o.signed_at, o.amount
    FROM sales_reporting_order o
    JOIN customers_reporting_customer c ON c.id = o.customer_id AND c.merged_into_id IS NULL
    WHERE o.status <> 'cancelled' AND o.signed_at < %(at)s
), per AS (
    SELECT customer_id,
           count(*) AS orders,
           min(signed_at) AS first_at,
           max(signed_at) AS last_at,
           count(*) FILTER (WHERE signed_at >= %(lookback)s) AS orders_lb,
           coalesce(sum(amount) FILTER (WHERE signed_at >= %(lookback)s), 0) AS amount_lb,
           count(*) FILTER (WHERE signed_at >= %(year)s) AS orders_365,
           coalesce(sum(amount) FILTER (WHERE signed_at >= %(year)s), 0) AS amount_365,
           count(*) FILTER (WHERE signed_at >= %(half)s) AS orders_180,
           count(*) FILTER (WHERE signed_at >= %(year_half)s AND signed_at < %(half)s) AS orders_prev_180,
           sum(amount) AS amount_all
    FROM o GROUP BY customer_id
), fu AS (
    SELECT f.customer_id, max(f.created_at) AS last_at,
           count(*) FILTER (WHERE f.created_at >= %(quarter)s) AS recent
    FROM customers_reporting_followup f
    JOIN per ON per.customer_id = f.customer_id
    WHERE f.created_at < %(at)s
    GROUP BY f.customer_id
), af AS (
    SELECT o.customer_id,
           count(*) FILTER (WHERE a.created_at >= %(year)s) AS cases,
           max(a.created_at) AS last_at
    FROM aftersales_reporting_case a
    JOIN sales_reporting_order o ON o.id = a.order_id
    WHERE a.created_at < %(at)s
    GROUP BY o.customer_id
)
SELECT per.customer_id,
       per.orders,
       %(today)s::date - (per.first_at AT TIME ZONE %(tz)s)::date AS tenure_days,
       %(today)s::date - (per.last_at AT TIME ZONE %(tz)s)::date AS recency_days,
       per.last_at,
       per.orders_lb, per.amount_lb, per.orders_365, per.amount_365, per.orders_180, per.orders_prev_180,
       per.amount_all,
       CASE WHEN fu.last_at IS NULL THEN NULL ELSE %(today)s::date - (fu.last_at AT TIME ZONE %(tz)s)::date END,
       coalesce(fu.recent, 0),
       coalesce(af.cases, 0),
       c.owner_id IS NULL,
       coalesce(fu.last_at >= per.last_at, false),
       coalesce(af.last_at >= per.last_at, false)
FROM per
JOIN customers_reporting_customer c ON c.id = per.customer_id
LEFT JOIN fu ON fu.customer_id = per.customer_id
LEFT JOIN af ON af.customer_id = per.customer_id
ORDER BY per.customer_id
"""

ORDERED_SQL = """
SELECT DISTINCT o.customer_id
FROM sales_reporting_order o
JOIN customers_reporting_customer c ON c.id = o.customer_id AND c.merged_into_id IS NULL
WHERE o.status <> 'cancelled' AND o.signed_at >= %(start)s AND o.signed_at < %(end)s
"""

ANY_ORDER_SQL = "SELECT EXISTS (SELECT 1 FROM sales_reporting_order WHERE status <> 'cancelled' AND signed_at < %(at)s)"


@dataclass(frozen=True, slots=True)
class Figures:
    customer_id: int
    orders: int  # non-cancelled orders ever (before the moment)
    tenure_days: int  # local days since the first
    recency_days: int  # local days since the last
    last_at: datetime
    orders_lookback: int  # within the RFM look-back
    amount_lookback: Decimal
    orders_365: int
    amount_365: Decimal
    orders_180: int
    orders_prev_180: int  # the 180 days before those
    amount_all: Decimal
    follow_up_days: int | None  # local days since the last follow-up (None: never)
    follow_ups_90: int
    aftersales_365: int
    in_pool: bool
    followed_since_last_order: bool  # a follow-up recorded since the last order was signed
    case_since_last_order: bool  # an after-sales case opened since the last order was signed

    @property
    def usual_gap(self) -> float | None:
        """The mean number of days between two orders (None with a single order)."""
        if self.orders < 2:
            return None
        return (self.tenure_days - self.recency_days) / (self.orders - 1)


def local_day(at: datetime) -> date:
    return at.astimezone(store_zone()).date()


def customer_figures(*, at: datetime, lookback_days: int) -> list[Figures]:
    """Every live customer's figures at ``at`` (orders signed before it), by customer id."""
    params = {
        "at": at,
        "lookback": at - timedelta(days=lookback_days),
        "year": at - timedelta(days=365),
        "half": at - timedelta(days=180),
        "year_half": at - timedelta(days=360),
        "quarter": at - timedelta(days=90),
        "today": local_day(at),
        "tz": str(store_zone()),
    }
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL, params)
        return [Figures(*row) for row in cursor.fetchall()]


def customers_ordering(*, start: datetime, end: datetime) -> set[int]:
    """Live customers with a non-cancelled order signed in ``[start, end)``."""
    with connection.cursor() as cursor:
        cursor.execute(ORDERED_SQL, {"start": start, "end": end})
        return {row[0] for row in cursor.fetchall()}


def has_orders(*, at: datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(ANY_ORDER_SQL, {"at": at})
        return bool(cursor.fetchone()[0])
