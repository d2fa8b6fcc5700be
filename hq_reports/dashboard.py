"""The consolidated HQ dashboard, computed with SQL over HQ's public tables only (no store schema).

Every figure follows metrics.md; the rules where it is silent are the store Kanban's:

- Orders count when signed in P and not cancelled; ``channel`` filters orders (and their lines and
  payments) by the order's channel platform, customers, releases and enquiries by theirs.
- Repurchase and new/returning customers look at the customer's whole history in every channel
  (the customer's order sequence kept on each ``OrderFact``).
- ``conversion_rate``: of the customers created in P (merged records excluded), the share with a
  non-cancelled order signed in P (any channel).
- ``return_visit_rate``: a follow-up of the order's customer in ``[completed_at, completed_at +
  window)``, window = the store's return-visit window in days.
- ``lost_rate``: distinct live customers released in P / customers owned at ``start``, where owned
  at start = live customers owned now whose ``owner_since`` ≤ start, plus live customers created by
  start whose first release at or after start was not preceded (between start and that release)
  by an approved claim.
- ``receivable_overdue``: non-cancelled credit orders signed before ``as_of`` whose due date is
  before the local date of ``as_of`` (due today is not overdue), each with ``amount`` minus the
  collections confirmed before ``as_of``.
- ``entry_rate``: new customers / new enquiries of the store's daily enquiry figures.

Each figure is one pass over the period's facts, with the derived columns ``rollups.refresh_derived``
keeps (paying customers: orders whose customer's previous order is before the start; repurchase:
that order has a previous one or a next one before the end; new customers: the customer's first
order is in the period; conversion: the customer's orders around its creation; return visits: the
flag on the completed order; owned at start and overdue receivables: ``StoreTotals`` less what
changed since the moment).

Over every store (no subsidiary or store filter) and whole local days (7d, 30d, custom), what no
store row shows comes from the day rollups instead (``day_rollup_figures``: the facts of every store
of a zone summed per local day, ``DayRollup``): completions, ratings and return visits, net revenue
and new enquiries of both periods, net revenue per channel, the sales trend, devices, provinces and
the rankings, a few thousand rows whatever the number of stores. A zone where a store's facts are
not summed in its own zone's days (``day_rollup_zones``) reads the facts.

Figures are grouped by store in SQL, then summed: counts of customers are per store (customers
belong to one store), so the HQ number of paying customers is the sum of the stores' distinct
counts, and every rate is the ratio of the summed numerator and denominator. HQ channels are
channel platforms (``tmall``, ``jd``...): a store's channels are its own rows.

Freshness: each store row carries ``as_of`` (every change committed in the store before it is in
the facts) and ``behind`` (that moment is more than a minute ago); the body's ``as_of`` is the oldest
of the stores'. Both come from what the drain records in ``StoreFeed`` (``store_freshness``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db import connections, transaction
from django.utils import timezone

from hq_reports import side_read
from hq_reports.rollups import HELD_DAY_ROLLUPS
from shared_apps.platform.replica import REPLICA, read_alias, read_connection, replica_state
from shared_apps.reporting.catalogue import KANBAN, Trend, metric, metrics_body
from shared_apps.reporting.periods import RATE_PLACES, Period, local_midnight, money, rate
from tenants.models import Store
from tenants.routing import store_url
from tenants.storetime import zone_named

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# ``rate`` of the counts of a thousand store rows: the same few pairs again and again.
_rate = lru_cache(maxsize=65536)(rate)
DEVICES = ("pc", "mobile", "app", "unknown")


@dataclass(slots=True)
class Figures:
    """The numerators and denominators of the headline figures for one group (store, platform)."""

    gmv: Decimal = ZERO
    orders: int = 0
    paying: int = 0
    repurchasers: int = 0
    new_paying: int = 0
    new_gmv: Decimal = ZERO
    new_customers: int = 0
    converted: int = 0
    new_enquiries: int = 0
    completed: int = 0
    rated: int = 0
    positive: int = 0
    revisited: int = 0
    released: int = 0
    owned_at_start: int = 0
    net_revenue: Decimal = ZERO
    overdue: Decimal = ZERO
    cost: Decimal = ZERO
    uncosted: int = 0

    def add(self, other: Figures) -> Figures:
        self.gmv += other.gmv
        self.orders += other.orders
        self.paying += other.paying
        self.repurchasers += other.repurchasers
        self.new_paying += other.new_paying
        self.new_gmv += other.new_gmv
        self.new_customers += other.new_customers
        self.converted += other.converted
        self.new_enquiries += other.new_enquiries
        self.completed += other.completed
        self.rated += other.rated
        self.positive += other.positive
        self.revisited += other.revisited
        self.released += other.released
        self.owned_at_start += other.owned_at_start
        self.net_revenue += other.net_revenue
        self.overdue += other.overdue
        self.cost += other.cost
        self.uncosted += other.uncosted
        return self

    def values(self) -> dict:
        """The headline figures (raw: Decimal amounts, int counts, float rates or None)."""
        return {
            "gmv": self.gmv,
            "orders": self.orders,
            "aov": (self.gmv / self.orders).quantize(Decimal("0.01")) if self.orders else None,
            "paying_customers": self.paying,
            "repurchase_rate": rate(self.repurchasers, self.paying),
            "new_customers": self.new_customers,
            "entry_rate": rate(self.new_customers, self.new_enquiries),
            "conversion_rate": rate(self.converted, self.new_customers),
            "positive_feedback_rate": rate(self.positive, self.rated),
            "return_visit_rate": rate(self.revisited, self.completed),
            "lost_rate": rate(self.released, self.owned_at_start),
            "net_revenue": self.net_revenue,
            "receivable_overdue": self.overdue,
            "gross_profit": self.gmv - self.cost,
            "gross_margin": rate(self.gmv - self.cost, self.gmv),
            "lines_without_cost": self.uncosted,
        }


ALL_PARTS = ("orders", "customers", "completed", "lost", "net", "overdue", "enquiries")
# With the day rollups (``day_rollup_figures``): the figures of the store rows and those that are not
# sums over days (customers, point-in-time figures).
ROLLUP_PARTS = ("orders", "customers", "lost", "net_current", "overdue")
CHANNEL_PARTS = ("customers", "net")


def metric_body(current: dict, previous: dict) -> dict:
    """``{key: {"value", "previous", "change", "trend"}}`` as the store Kanban writes it."""
    return metrics_body(KANBAN, current, previous)


@dataclass(frozen=True)
class Scope:
    """Which facts a request covers: some stores (None: all) and a channel platform (None: all)."""

    store_ids: tuple[int, ...] | None = None
    platform: str | None = None
    extra: dict = field(default_factory=dict)

    def where(self, alias: str, *, platform_alias: str | None = None) -> str:
        sql = ""
        if self.store_ids is not None:
            sql += f" AND {alias}.store_id = ANY(%(stores)s)"
        if self.platform is not None:
            sql += f" AND {platform_alias or alias}.platform = %(platform)s"
        return sql

    def params(self, period: Period) -> dict:
        as_of = period.as_of
        last_day = (period.end - timedelta(microseconds=1)).astimezone(period.tz).date()
        return {
            "stores": list(self.store_ids or ()),
            "platform": self.platform,
            "start": period.start,
            "end": period.end,
            "as_of": as_of,
            "as_of_date": as_of.astimezone(period.tz).date(),
            "first_day": period.start.astimezone(period.tz).date(),
            "last_day": last_day,
            "tz": str(period.tz),
        }


# One cursor for every statement of a dashboard: django-tenants sets the search path each time a
# cursor is opened, which would otherwise cost a round trip per statement.
_cursor: ContextVar = ContextVar("hq_dashboard_cursor", default=None)


DASHBOARD_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL max_parallel_workers_per_gather = 0"


def _rows(sql: str, params: dict) -> list[tuple]:
    cursor = _cursor.get()
    if cursor is None:
        with read_connection().cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    cursor.execute(sql, params)
    return cursor.fetchall()


class _FiguresReader:
    """The statements of ``figures_by``, one method per part; each reads both periods in one pass
    (``cur`` flag) and writes its figures into ``out`` (current, previous) by ``group``."""

    def __init__(
        self, period: Period, scope: Scope, *, group: str, channels: dict | None, breakdown, platforms
    ) -> None:
        self.period, self.scope, self.group = period, scope, group
        self.channels, self.breakdown, self.platforms = channels, breakdown, platforms
        self.previous = period.previous()
        self.params = scope.params(period) | {
            "pstart": self.previous.start,
            "pfirst_day": self.previous.start.astimezone(period.tz).date(),
        }
        # A group's figures are made on first use (a thousand store rows per statement).
        self.out: tuple[dict, dict] = (defaultdict(Figures), defaultdict(Figures))
        # With ``channels``, the customer and net revenue figures are also grouped by platform (current
        # period only) in the same statements, into ``channels``.
        self.sets = "(g, cur), (platform, cur)" if channels is not None else "(g, cur)"

    def slot(self, key, cur: bool) -> Figures:
        return self.out[0 if cur else 1][key]

    @staticmethod
    def bounds(column: str) -> tuple[str, str]:
        """The period of each row, for the figures that read both periods in one pass: S and E are the
        start and end of the row's own period (P for the current rows, P' for the previous ones)."""
        return (
            f"CASE WHEN {column} >= %(start)s THEN %(start)s::timestamptz ELSE %(pstart)s::timestamptz END",
            f"CASE WHEN {column} >= %(start)s THEN %(end)s::timestamptz ELSE %(start)s::timestamptz END",
        )

    def spread(self, rows, assign) -> None:
        current, previous = self.out
        for by_platform, key, platform, cur, *values in rows:
            if not by_platform:
                assign((current if cur else previous)[key], *values)
            elif cur:
                assign(self.channels.setdefault(platform, Figures()), *values)

    def orders_statement(self) -> tuple[str, dict]:
        # One pass over the orders of both periods (an index-only scan): an order is its customer's
        # first of the period when the customer's previous order (of the platform, when filtered)
        # is before the period's start; that customer repurchased when an order precedes this one
        # or follows it before the end; it is new when its first order ever is in the period
        # (``refresh_derived`` keeps these columns). With ``breakdown`` (a dict), the same pass also
        # groups the current orders by trend bucket, device, province and platform (``breakdowns``).
        start, end = self.bounds("o.signed_at")
        by_platform = self.scope.platform is not None or self.group == "platform"
        prev = "o.prev_platform_signed_at" if by_platform else "o.prev_signed_at"
        first = f"({prev} IS NULL OR {prev} < {start})"
        first_platform = "(o.prev_platform_signed_at IS NULL OR o.prev_platform_signed_at < %(start)s)"
        if self.breakdown is not None:
            bucket = "CASE WHEN o.signed_at >= %(start)s THEN date_trunc(%(unit)s, o.signed_at AT TIME ZONE %(tz)s) END"
            order_sets = "(g, cur), (cur, b), (cur, device), (cur, province), (cur, platform)"
            grouped = (
                "grouping(g), grouping(b), grouping(device), grouping(province), g, cur, b, device, province, platform"
            )
        elif self.platforms is not None:
            bucket, order_sets = "NULL::timestamp", "(g, cur), (cur, platform)"
            grouped = "grouping(g), g, cur, platform"
        else:
            bucket, order_sets, grouped = "NULL::timestamp", "(g, cur)", "0, g, cur, NULL"
        return (
            f"""
            SELECT {grouped}, sum(amount), count(*), count(*) FILTER (WHERE first),
                   count(*) FILTER (WHERE first AND repurchased), count(*) FILTER (WHERE first AND new),
                   COALESCE(sum(amount) FILTER (WHERE new), 0), count(*) FILTER (WHERE first_platform),
                   sum(cost), sum(lines_without_cost)
            FROM (SELECT o.{self.group} AS g, o.signed_at >= %(start)s AS cur, {bucket} AS b, o.device, o.province,
                         o.platform, o.amount, o.cost, o.lines_without_cost, {first} AS first,
                         o.prev_signed_at IS NOT NULL OR o.next_signed_at < {end} AS repurchased,
                         o.customer_first_at >= {start} AS new, {first_platform} AS first_platform
                  FROM hq_reports_orderfact o
                  WHERE o.signed_at >= %(pstart)s AND o.signed_at < %(end)s AND NOT o.cancelled
                    {self.scope.where("o")}) t
            GROUP BY GROUPING SETS ({order_sets})
            """,
            self.params | {"unit": "hour" if self.period.hourly else "day"},
        )

    def orders_apply(self, rows: list[tuple]) -> None:
        """The figures of the orders pass (``orders_statement``'s rows)."""
        if self.breakdown is not None:
            detail, rows = (
                [row[1:4] + row[6:-2] for row in rows if row[0] and row[5]],
                [(0, row[4], row[5], None, *row[10:]) for row in rows if not row[0]],
            )
            self.breakdown.update(_breakdown_body(self.period, detail))
        for g_g, key, cur, platform, gmv, n, paying, repurchasers, new_paying, new_gmv, first_platform, *cost in rows:
            if g_g:
                if cur and self.platforms is not None:
                    # the customer's first order of the platform in P marks a paying customer of it
                    self.platforms[platform] = (gmv, n, first_platform)
                continue
            f = self.slot(key, cur)
            f.gmv, f.orders, f.paying = gmv, n, paying
            f.repurchasers, f.new_paying, f.new_gmv = repurchasers, new_paying, new_gmv
            f.cost, f.uncosted = cost[0], int(cost[1])

    def customers(self) -> None:

        def customers(f: Figures, created, converted) -> None:
            f.new_customers, f.converted = created, converted

        # Converted: an order (any channel) in the customer's period, i.e. the last order before
        # its creation is at or after the start, or the first one from its creation is before the end.
        start, end = self.bounds("c.created_at")
        self.spread(
            _rows(
                f"""
                SELECT grouping(g), g, platform, cur, count(*), count(*) FILTER (WHERE converted)
                FROM (SELECT c.{self.group} AS g, c.platform, c.created_at >= %(start)s AS cur,
                             (c.order_before_created_at >= {start} OR c.order_from_created_at < {end}) AS converted
                      FROM hq_reports_customerfact c
                      WHERE c.created_at >= %(pstart)s AND c.created_at < %(end)s AND NOT c.merged
                        {self.scope.where("c")}) t
                GROUP BY GROUPING SETS ({self.sets})
                """,
                self.params,
            ),
            customers,
        )

    def completed(self) -> None:
        # ``revisited``: the return-visit flag kept on each completed order (``refresh_derived``).
        for key, cur, completed, rated, positive, revisited in _rows(
            f"""
            SELECT o.{self.group}, o.completed_at >= %(start)s AS cur, count(*), count(o.rating),
                   count(*) FILTER (WHERE o.rating >= 4), count(*) FILTER (WHERE o.revisited)
            FROM hq_reports_orderfact o
            WHERE o.completed_at >= %(pstart)s AND o.completed_at < %(end)s AND NOT o.cancelled
              {self.scope.where("o")}
            GROUP BY 1, 2
            """,
            self.params,
        ):
            f = self.slot(key, cur)
            f.completed, f.rated, f.positive, f.revisited = completed, rated, positive, revisited

    def lost(self) -> None:
        for key, cur, released in _rows(
            f"""
            SELECT c.{self.group}, r.at >= %(start)s AS cur, count(DISTINCT r.customer_id)
            FROM hq_reports_releasefact r
            JOIN hq_reports_customerfact c ON c.store_id = r.store_id AND c.customer_id = r.customer_id
            WHERE r.at >= %(pstart)s AND r.at < %(end)s AND NOT c.merged
              {self.scope.where("r", platform_alias="c")}
            GROUP BY 1, 2
            """,
            self.params,
        ):
            self.slot(key, cur).released = released
        # Owned at start (both starts in one statement): owned now since before start (the count of
        # owned customers kept per store, less those owned only since after start), plus those
        # whose first release at or after start was not preceded (between start and that release)
        # by an approved claim.
        for key, owned_cur, owned_prev in _rows(
            f"""
                SELECT g, sum(n_cur), sum(n_prev) FROM (
                    SELECT h.{self.group} AS g, sum(h.owned) AS n_cur, sum(h.owned) AS n_prev
                    FROM hq_reports_storetotals h WHERE true {self.scope.where("h")}
                    GROUP BY 1
                    UNION ALL
                    SELECT c.{self.group}, -count(*) FILTER (WHERE c.owner_since > %(start)s), -count(*)
                    FROM hq_reports_customerfact c
                    WHERE c.owner_id IS NOT NULL AND c.owner_since IS NOT NULL AND NOT c.merged
                      AND c.owner_since > %(pstart)s {self.scope.where("c")}
                    GROUP BY 1
                    UNION ALL
                    SELECT c.{self.group}, count(*), 0 FROM (
                        SELECT DISTINCT ON (r.store_id, r.customer_id) r.store_id, r.customer_id, r.at
                        FROM hq_reports_releasefact r WHERE r.at >= %(start)s
                        ORDER BY r.store_id, r.customer_id, r.at, r.release_id
                    ) f JOIN hq_reports_customerfact c ON c.store_id = f.store_id AND c.customer_id = f.customer_id
                    WHERE NOT c.merged AND c.created_at <= %(start)s
                      AND NOT EXISTS (
                          SELECT 1 FROM hq_reports_claimfact cl
                          WHERE cl.store_id = f.store_id AND cl.customer_id = f.customer_id
                            AND cl.decided_at >= %(start)s AND cl.decided_at < f.at)
                      {self.scope.where("f", platform_alias="c")}
                    GROUP BY 1
                    UNION ALL
                    SELECT c.{self.group}, 0, count(*) FROM (
                        SELECT DISTINCT ON (r.store_id, r.customer_id) r.store_id, r.customer_id, r.at
                        FROM hq_reports_releasefact r WHERE r.at >= %(pstart)s
                        ORDER BY r.store_id, r.customer_id, r.at, r.release_id
                    ) f JOIN hq_reports_customerfact c ON c.store_id = f.store_id AND c.customer_id = f.customer_id
                    WHERE NOT c.merged AND c.created_at <= %(pstart)s
                      AND NOT EXISTS (
                          SELECT 1 FROM hq_reports_claimfact cl
                          WHERE cl.store_id = f.store_id AND cl.customer_id = f.customer_id
                            AND cl.decided_at >= %(pstart)s AND cl.decided_at < f.at)
                      {self.scope.where("f", platform_alias="c")}
                    GROUP BY 1
                ) x GROUP BY g
                """,
            self.params,
        ):
            self.slot(key, True).owned_at_start = int(owned_cur)
            self.slot(key, False).owned_at_start = int(owned_prev)

    def net(self) -> None:

        def net(f: Figures, amount) -> None:
            f.net_revenue = amount

        self.spread(
            _rows(
                f"""
                SELECT grouping(g), g, platform, cur, sum(amount)
                FROM (SELECT p.{self.group} AS g, p.platform, p.confirmed_at >= %(start)s AS cur,
                             CASE WHEN p.kind = 'refund' THEN -p.amount ELSE p.amount END AS amount
                      FROM hq_reports_paymentfact p
                      WHERE p.confirmed_at >= %(pstart)s AND p.confirmed_at < %(end)s {self.scope.where("p")}) t
                GROUP BY GROUPING SETS ({self.sets})
                """,
                self.params,
            ),
            net,
        )

    def net_current(self) -> None:
        for key, amount in _rows(
            f"""
            SELECT p.{self.group}, sum(CASE WHEN p.kind = 'refund' THEN -p.amount ELSE p.amount END)
            FROM hq_reports_paymentfact p
            WHERE p.confirmed_at >= %(start)s AND p.confirmed_at < %(end)s {self.scope.where("p")}
            GROUP BY 1
            """,
            self.params,
        ):
            self.slot(key, True).net_revenue = amount

    def overdue(self) -> None:
        # Both as-of times T in one statement; at T, every non-cancelled credit order signed before
        # T and due before T's local date counts with what it owed at T, when it was still owed at
        # T (open now, or fully collected since T). Read as: what every open credit order owes now
        # (``StoreTotals.credit_owed``), less the open ones not overdue at T (due on or after T's
        # date, or signed since T: recent rows only), plus what orders fully collected since T
        # owe, plus the collections of counted orders confirmed since T (``PaymentFact.order_*``).
        as_ofs = {True: self.period.as_of, False: self.previous.as_of}
        open_credit = "o.payment_mode = 'credit' AND NOT o.cancelled AND o.collected < o.amount"
        owed = "o.amount - o.collected"
        for key, cur_owed, prev_owed in _rows(
            f"""
            SELECT g, sum(cur), sum(prev) FROM (
                SELECT t.{self.group} AS g, sum(t.credit_owed) AS cur, sum(t.credit_owed) AS prev
                FROM hq_reports_storetotals t WHERE true {self.scope.where("t")}
                GROUP BY 1
                UNION ALL
                SELECT o.{self.group}, -sum({owed}) FILTER (WHERE o.due_date >= %(as_of_date)s),
                       -sum({owed}) FILTER (WHERE o.due_date >= %(pas_of_date)s)
                FROM hq_reports_orderfact o
                WHERE {open_credit} AND o.due_date >= %(low_date)s {self.scope.where("o")}
                GROUP BY 1
                UNION ALL
                SELECT o.{self.group},
                       -sum({owed}) FILTER (WHERE o.due_date < %(as_of_date)s AND o.signed_at >= %(as_of)s),
                       -sum({owed}) FILTER (WHERE o.due_date < %(pas_of_date)s AND o.signed_at >= %(pas_of)s)
                FROM hq_reports_orderfact o
                WHERE {open_credit} AND o.signed_at >= %(low)s AND o.due_date < %(high_date)s {self.scope.where("o")}
                GROUP BY 1
                UNION ALL
                SELECT o.{self.group},
                       sum({owed}) FILTER (WHERE o.fully_collected_at >= %(as_of)s AND o.due_date < %(as_of_date)s
                                             AND o.signed_at < %(as_of)s),
                       sum({owed}) FILTER (WHERE o.fully_collected_at >= %(pas_of)s AND o.due_date < %(pas_of_date)s
                                             AND o.signed_at < %(pas_of)s)
                FROM hq_reports_orderfact o
                WHERE o.payment_mode = 'credit' AND NOT o.cancelled AND o.collected >= o.amount
                  AND o.fully_collected_at >= %(low)s {self.scope.where("o")}
                GROUP BY 1
                UNION ALL
                SELECT p.{self.group},
                       sum(p.amount) FILTER (WHERE p.confirmed_at >= %(as_of)s AND p.order_due_date < %(as_of_date)s
                                               AND p.order_signed_at < %(as_of)s
                                               AND (p.order_open OR p.order_fully_collected_at >= %(as_of)s)),
                       sum(p.amount) FILTER (WHERE p.confirmed_at >= %(pas_of)s AND p.order_due_date < %(pas_of_date)s
                                               AND p.order_signed_at < %(pas_of)s
                                               AND (p.order_open OR p.order_fully_collected_at >= %(pas_of)s))
                FROM hq_reports_paymentfact p
                WHERE p.kind = 'collection' AND p.order_credit AND p.confirmed_at >= %(low)s {self.scope.where("p")}
                GROUP BY 1
            ) x GROUP BY g
            """,
            self.params
            | {
                "as_of": as_ofs[True],
                "as_of_date": as_ofs[True].astimezone(self.period.tz).date(),
                "pas_of": as_ofs[False],
                "pas_of_date": as_ofs[False].astimezone(self.period.tz).date(),
                "low": min(as_ofs.values()),
                "low_date": min(as_ofs.values()).astimezone(self.period.tz).date(),
                "high_date": max(as_ofs.values()).astimezone(self.period.tz).date(),
            },
        ):
            if cur_owed is not None:
                self.slot(key, True).overdue = cur_owed
            if prev_owed is not None:
                self.slot(key, False).overdue = prev_owed

    def enquiries(self) -> None:
        for key, cur, new_enquiries in _rows(
            f"""
            SELECT e.{self.group}, e.day >= %(first_day)s AS cur, sum(e.new_enquiries) FROM hq_reports_enquiryfact e
            WHERE e.day >= %(pfirst_day)s AND e.day <= %(last_day)s {self.scope.where("e")}
            GROUP BY 1, 2
            """,
            self.params,
        ):
            self.slot(key, cur).new_enquiries = int(new_enquiries)


def figures_by(
    period: Period,
    scope: Scope,
    *,
    group: str = "store_id",
    parts: tuple[str, ...] = ALL_PARTS,
    channels: dict | None = None,
    breakdown: dict | None = None,
    platforms: dict | None = None,
    while_waiting=None,
) -> tuple[dict, dict]:
    """Figures over ``period`` and over the previous period, for each value of ``group``
    (``store_id`` or ``platform``): ``(current, previous)``. Each statement reads both periods in
    one pass (``cur`` flag); ``parts`` limits the figures computed (``net_current``: the net revenue
    of the current period only). ``channels`` (a dict) also receives the current figures of
    ``CHANNEL_PARTS`` by platform; ``platforms`` (a dict) the gmv, orders and paying customers of
    the current period by platform (``breakdown["platforms"]``, without the other breakdowns).
    ``while_waiting(current)``, when the orders pass runs on the side connection, is called once
    every other part is in ``current`` (a group without any is missing from it), before waiting
    for that pass: what depends on nothing else can be done meanwhile."""
    reader = _FiguresReader(period, scope, group=group, channels=channels, breakdown=breakdown, platforms=platforms)
    # The orders pass, the longest statement, runs on the side connection when there is one
    # (``side_read``) while this one reads the other parts; its figures are written after them.
    orders = reader.orders_statement() if "orders" in parts else None
    pending = side_read.submit(*orders) if orders is not None else None
    if orders is not None and pending is None:
        reader.orders_apply(_rows(*orders))
    for part in ("customers", "completed", "lost", "net", "net_current", "overdue", "enquiries"):
        if part in parts:
            getattr(reader, part)()
    if pending is not None:
        if while_waiting is not None:
            while_waiting(reader.out[0])
        reader.orders_apply(side_read.result(pending, lambda: _rows(*orders)))
    current, previous = reader.out
    return dict(current), dict(previous)


def total(figures: dict) -> Figures:
    result = Figures()
    for f in figures.values():
        result.add(f)
    return result


def breakdowns(period: Period, scope: Scope) -> dict:
    """Sales trend, devices, provinces and channel platforms of the orders signed in P (the
    dashboard reads them in the pass of ``figures_by`` over the orders)."""
    breakdown: dict = {}
    figures_by(period, scope, parts=("orders",), breakdown=breakdown)
    return breakdown


def _breakdown_body(period: Period, rows) -> dict:
    """``breakdowns`` from the grouped rows of the current orders: ``(grouping(b), grouping(device),
    grouping(province), b, device, province, platform, gmv, orders, ..., first of the platform)``."""
    trend, devices, provinces, platforms = {}, {}, {}, {}
    for g_b, g_d, g_p, b, device, province, platform, gmv, n, *_figures, paying in rows:
        if not g_b:
            trend[b] = (gmv, n)
        elif not g_d:
            devices[device] = (gmv, n)
        elif not g_p:
            provinces[province] = (gmv, n)
        else:
            # the customer's first order of the platform in P marks a paying customer of it
            platforms[platform] = (gmv, n, paying)
    return _breakdown_shape(period, trend, devices, provinces, platforms)


def _breakdown_shape(period: Period, trend: dict, devices: dict, provinces: dict, platforms: dict) -> dict:
    """The breakdowns as the API writes them, from ``{bucket start (naive local): (gmv, orders)}``,
    ``{device: (gmv, orders)}``, ``{province: (gmv, orders)}`` and ``{platform: (gmv, orders, paying)}``."""
    geography = [
        {"province": province, "gmv": money(gmv), "orders": n}
        for province, (gmv, n) in sorted(provinces.items(), key=lambda item: (-item[1][0], item[0]))
    ]
    sales = []
    for start in period.buckets():
        gmv, n = trend.get(start.replace(tzinfo=None), (ZERO, 0))
        sales.append({"bucket": start.isoformat(), "gmv": money(gmv), "orders": n})
    device_rows = [
        {"device": d, "gmv": money(devices.get(d, (ZERO, 0))[0]), "orders": devices.get(d, (ZERO, 0))[1]}
        for d in (*DEVICES, *sorted(set(devices) - set(DEVICES)))
    ]
    return {"sales_trend": sales, "devices": device_rows, "geography": geography, "platforms": platforms}


def rankings(period: Period, scope: Scope, *, limit: int = 10) -> tuple[list[dict], list[dict]]:
    """Products (by SKU, across stores) and categories by amount over the orders counted in gmv."""
    params = scope.params(period) | {"limit": limit}
    # One pass over the lines (an index-only scan), grouped by SKU and by category; an order counts
    # once per product (category) through its first line of it (``first_of_sku``, ``first_of_category``).
    rows = _rows(
        f"""
        SELECT kind, key, name, amount, quantity, orders FROM (
            SELECT CASE WHEN grouping(l.sku) = 0 THEN 'p' ELSE 'c' END AS kind,
                   CASE WHEN grouping(l.sku) = 0 THEN l.sku ELSE l.category_name END AS key,
                   CASE WHEN grouping(l.sku) = 0 THEN max(l.product_name) ELSE l.category_name END AS name,
                   sum(l.amount) AS amount, sum(l.quantity) AS quantity,
                   CASE WHEN grouping(l.sku) = 0 THEN count(*) FILTER (WHERE l.first_of_sku)
                        ELSE count(*) FILTER (WHERE l.first_of_category) END AS orders,
                   row_number() OVER (
                       PARTITION BY grouping(l.sku)
                       ORDER BY sum(l.amount) DESC,
                                CASE WHEN grouping(l.sku) = 0 THEN l.sku ELSE l.category_name END) AS rank
            FROM hq_reports_orderlinefact l
            WHERE l.signed_at >= %(start)s AND l.signed_at < %(end)s AND NOT l.cancelled {scope.where("l")}
            GROUP BY GROUPING SETS ((l.sku), (l.category_name))) ranked
        WHERE %(limit)s::int IS NULL OR rank <= %(limit)s::int
        ORDER BY kind DESC, rank
        """,
        params,
    )
    return _ranking_rows(rows)


def _ranking_rows(rows) -> tuple[list[dict], list[dict]]:
    """Product and category rows from ``(kind, key, name, amount, quantity, orders)``."""
    products = [
        {"sku": r[1], "name": r[2], "amount": money(r[3]), "quantity": int(r[4]), "orders": int(r[5])}
        for r in rows
        if r[0] == "p"
    ]
    categories = [
        {"category": r[1], "name": r[2], "amount": money(r[3]), "quantity": int(r[4]), "orders": int(r[5])}
        for r in rows
        if r[0] == "c"
    ]
    return products, categories


# --- the day rollups: every store of a zone over whole local days --------------------------------------


def covers_whole_days(period: Period) -> bool:
    """Whether ``period`` and its previous period are whole local days of their zone (7d, 30d and
    custom ranges; not ``today``, nor a previous period cut inside a day by a daylight-saving change)."""
    if period.hourly:
        return False
    for moment in (period.previous().start, period.start, period.end):
        local = moment.astimezone(period.tz)
        if local.time() != time.min or local_midnight(local.date(), period.tz) != moment:
            return False
    return True


def day_rollup_zones(stores: list[Store | StoreRef], feeds: dict[int, tuple]) -> set[str]:
    """The zones whose day rollups sum exactly the facts of the listed stores in that zone: each of
    those stores has its facts summed there (``StoreFeed.rollup_zone``), or holds no summed fact and
    is summed nowhere (a new store before its first drain), and no other store is summed there
    (``feeds``: every store's). A store that moved to another zone since its last drain keeps its
    zone (and the one it left) on the facts until its next drain."""
    zone_of = {store.pk: zone_named(getattr(store, "timezone", None)).key for store in stores}
    zones = set(zone_of.values())
    unsummed = []
    for store_id, zone in zone_of.items():
        summed_in = feeds.get(store_id, (None, None, ""))[2]
        if summed_in == "":
            unsummed.append(store_id)
        elif summed_in != zone:
            zones.discard(zone)
    for store_id, (_drained, _pending, zone) in feeds.items():
        if zone and zone_of.get(store_id) != zone:
            zones.discard(zone)
    if unsummed and zones:
        # One probe of each fact table's (store, id) key per store.
        for (store_id,) in _rows(
            f"""
            SELECT s FROM unnest(%(ids)s::bigint[]) s
            WHERE {" OR ".join(_first_fact(table) for table in SUMMED_FACTS)}
            """,
            {"ids": unsummed},
        ):
            zones.discard(zone_of[store_id])
    return zones


# The facts the day rollups sum, with their key's entity column.
SUMMED_FACTS = {
    "hq_reports_orderfact": "order_id",
    "hq_reports_orderlinefact": "line_id",
    "hq_reports_paymentfact": "payment_id",
    "hq_reports_enquiryfact": "enquiry_id",
}


def _first_fact(table: str) -> str:
    """Whether store ``s`` has a row in ``table``: its first entry in the (store, entity) key (in the
    key's order, so that the planner never scans the table hoping to meet one soon)."""
    key = SUMMED_FACTS[table]
    return f"(SELECT f.{key} FROM {table} f WHERE f.store_id = s ORDER BY f.{key} LIMIT 1) IS NOT NULL"


@dataclass
class DayRollupFigures:
    """What a zone's day rollups give the dashboard of its stores (``day_rollup_figures``)."""

    cur: Figures  # completed, rated, positive, revisited, net_revenue, new_enquiries of P
    prev: Figures  # the same of P'
    channel_net: dict  # {platform: net revenue of P}
    breakdown: dict  # sales_trend, devices, geography of P
    products: list
    categories: list


def _held_day_rollups(parts: str, *, first_day: str = "from_day") -> str:
    """The day rollup rows of one zone, some parts, from ``first_day`` (a parameter name) to
    ``last_day`` and of the ``platform`` (if any): the folded rows and the changes not folded yet.
    A key may come several times; keys whose ``facts`` sum to zero hold nothing."""
    return f"""
        SELECT * FROM ({HELD_DAY_ROLLUPS}) h
        WHERE zone = %(zone)s AND part IN ({parts}) AND day >= %({first_day})s AND day <= %(last_day)s
          AND (%(platform)s::text IS NULL OR platform = %(platform)s::text)
    """


def day_rollup_figures(period: Period, zone: str, platform: str | None, *, limit: int | None) -> DayRollupFigures:
    """The figures of every store whose facts are summed in ``zone``'s day rollups, over ``period``
    (whole local days of ``zone``, ``covers_whole_days``) and its previous period: completions, net
    revenue and new enquiries of both, and of the current period net revenue by platform, the sales trend,
    devices, provinces and the product and category rankings (``rankings``' rules; a product's name
    is the greatest among its lines of the period). Two statements over a few thousand rows, whatever
    the number of stores."""
    previous = period.previous()
    params = {
        "zone": zone,
        "platform": platform,
        "first_day": period.start.astimezone(period.tz).date(),
        "last_day": (period.end - timedelta(microseconds=1)).astimezone(period.tz).date(),
        "from_day": previous.start.astimezone(period.tz).date(),
        "limit": limit,
    }
    result = DayRollupFigures(Figures(), Figures(), {}, {}, [], [])
    trend, devices, provinces = {}, {}, {}
    for part, cur, g_day, g_device, g_province, g_platform, day, device, province, key, *sums in _rows(
        f"""
        SELECT part, cur, grouping(day), grouping(device), grouping(province), grouping(platform), day, device,
               province, platform, sum(facts), sum(amount), sum(rated), sum(positive), sum(revisited),
               sum(new_enquiries)
        FROM (SELECT r.*, r.day >= %(first_day)s AS cur
              FROM ({_held_day_rollups("'orders', 'completed', 'payments', 'enquiries'")}) r
              WHERE r.part <> 'orders' OR r.day >= %(first_day)s) t
        GROUP BY GROUPING SETS ((part, cur), (part, cur, day), (part, cur, device), (part, cur, province),
                                (part, cur, platform))
        HAVING sum(facts) <> 0
        """,
        params,
    ):
        facts, amount, rated, positive, revisited, new_enquiries = sums
        if part == "orders":
            if not g_day:
                trend[datetime.combine(day, time.min)] = (amount, int(facts))
            elif not g_device:
                devices[device] = (amount, int(facts))
            elif not g_province:
                provinces[province] = (amount, int(facts))
            continue
        figures = result.cur if cur else result.prev
        whole = g_day and g_device and g_province and g_platform
        if part == "completed" and whole:
            figures.completed, figures.rated = int(facts), int(rated)
            figures.positive, figures.revisited = int(positive), int(revisited)
        elif part == "payments" and whole:
            figures.net_revenue = amount
        elif part == "enquiries" and whole:
            figures.new_enquiries = int(new_enquiries)
        elif part == "payments" and cur and g_day and g_device and g_province:
            result.channel_net[key] = amount
    shaped = _breakdown_shape(period, trend, devices, provinces, {})
    result.breakdown = {name: shaped[name] for name in ("sales_trend", "devices", "geography")}
    rows = _rows(
        f"""
        SELECT kind, key, name, amount, quantity, orders FROM (
            SELECT CASE WHEN grouping(sku) = 0 THEN 'p' ELSE 'c' END AS kind,
                   CASE WHEN grouping(sku) = 0 THEN sku ELSE category_name END AS key,
                   CASE WHEN grouping(sku) = 0 THEN max(product_name) ELSE category_name END AS name,
                   sum(amount) AS amount, sum(quantity) AS quantity,
                   CASE WHEN grouping(sku) = 0 THEN sum(sku_orders) ELSE sum(category_orders) END AS orders,
                   row_number() OVER (
                       PARTITION BY grouping(sku)
                       ORDER BY sum(amount) DESC, CASE WHEN grouping(sku) = 0 THEN sku ELSE category_name END) AS rank
            FROM (SELECT sku, product_name, category_name, sum(amount) AS amount, sum(quantity) AS quantity,
                         sum(sku_orders) AS sku_orders, sum(category_orders) AS category_orders
                  FROM ({_held_day_rollups("'lines'", first_day="first_day")}) l
                  GROUP BY sku, product_name, category_name
                  HAVING sum(facts) <> 0) r
            GROUP BY GROUPING SETS ((sku), (category_name))) ranked
        WHERE %(limit)s::int IS NULL OR rank <= %(limit)s::int
        ORDER BY kind DESC, rank
        """,
        params,
    )
    result.products, result.categories = _ranking_rows(rows)
    return result


class StoreRef(NamedTuple):
    """What the dashboard needs of a store (lighter than a model instance for thousands of rows)."""

    pk: int
    name: str
    subdomain: str
    subsidiary_id: int | None
    subsidiary_name: str | None
    status: str
    created_at: datetime
    timezone: str = ""


_REF_FIELDS = ("pk", "name", "subdomain", "subsidiary_id", "subsidiary__name", "status", "created_at", "timezone")
# {(SQL, parameters) of a store list: (fingerprint of its rows, its StoreRef rows)}, per process.
_held_refs: dict[tuple, tuple[str, list[StoreRef]]] = {}
_HELD_LISTS = 16


def store_refs(stores) -> list[StoreRef]:
    """``StoreRef`` rows of a ``Store`` queryset, in its order.

    A dashboard over a thousand stores would spend more time turning the store rows into Python
    values (their creation times above all) than reading them: the database computes a
    fingerprint of the rows instead (an md5 of their text, in the list's order), and the rows are
    read again only when it differs from the one of the list this process last read. A renamed,
    added, moved or removed store changes it at once."""
    rows = stores.values_list(*_REF_FIELDS)
    sql, params = rows.query.sql_with_params()
    key = (sql, tuple(params))
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"SELECT md5(string_agg(t::text, '|')) FROM ({sql}) t", params)
        fingerprint = cursor.fetchone()[0] or ""
    held = _held_refs.get(key)
    if held is not None and held[0] == fingerprint:
        return list(held[1])
    refs = [StoreRef(*row) for row in rows]
    if len(_held_refs) >= _HELD_LISTS:
        _held_refs.clear()
    # The fingerprint was read first: rows changed in between make the next request read them again.
    _held_refs[key] = (fingerprint, refs)
    return list(refs)


# --- freshness: how far the facts of each store lag behind the store --------------------------------

# A store is behind when HQ cannot vouch that its facts hold every change older than this. The drain
# runs every 10 s, so a healthy store is never more than a few seconds behind.
BEHIND_AFTER = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Freshness:
    """``as_of``: every change committed in the store before this moment is in HQ's facts.
    ``behind``: that moment is more than ``BEHIND_AFTER`` ago (see ``store_freshness``)."""

    as_of: datetime
    behind: bool


def store_feeds(stores: list[Store | StoreRef], *, every: bool = False) -> dict[int, tuple]:
    """``{store id: (last_drained_at, pending_since, rollup_zone)}`` of the stores' feeds (``every``:
    of every store with a feed, listed or not), in one query."""
    where = "" if every else "WHERE store_id = ANY(%(ids)s)"
    return {
        store_id: (drained_at, pending_since, zone)
        for store_id, drained_at, pending_since, zone in _rows(
            f"SELECT store_id, last_drained_at, pending_since, rollup_zone FROM hq_reports_storefeed {where}",
            {"ids": [store.pk for store in stores]},
        )
    }


def store_freshness(
    stores: list[Store | StoreRef], *, now: datetime, feeds: dict[int, tuple] | None = None
) -> dict[int, Freshness]:
    """How fresh each store's facts are, from the drain's own record (``feeds``, else one query over
    ``StoreFeed``), never a look into a store schema.

    A store's ``as_of`` is the moment of its last drain batch, or, when that batch left events
    pending (committed while it ran, or beyond its last batch), the time of the oldest of them: the
    changes before it are held, that one may not be. A store the drain has never reached holds
    nothing HQ could vouch for beyond its creation: its ``as_of`` is the store's creation time.

    ``behind`` is true when ``as_of`` is more than ``BEHIND_AFTER`` before ``now``: events have
    waited longer than that, the drain has not reached the store for that long (HQ cannot see what
    waits), or it never reached a store older than that. A suspended store changes no more and its
    drain is paused: it is behind only when its last drain left events pending for that long, or
    when it was never drained.
    """
    if feeds is None:
        feeds = store_feeds(stores)
    limit = now - BEHIND_AFTER
    result = {}
    for store in stores:
        drained_at, pending_since, _zone = feeds.get(store.pk, (None, None, ""))
        if drained_at is None:
            result[store.pk] = Freshness(as_of=store.created_at, behind=store.created_at < limit)
            continue
        as_of = min(drained_at, pending_since) if pending_since is not None else drained_at
        if store.status == Store.Status.SUSPENDED:
            behind = pending_since is not None and pending_since < limit
        else:
            behind = as_of < limit
        result[store.pk] = Freshness(as_of=as_of, behind=behind)
    return result


def overall_as_of(stores: list[Store | StoreRef], fresh: dict[int, Freshness]) -> datetime | None:
    """The moment up to which every store's changes are in the facts: the oldest store ``as_of``.
    A suspended store that is not behind holds all its changes and does not hold the others back.
    None without stores."""
    moments = [
        fresh[store.pk].as_of for store in stores if store.status != Store.Status.SUSPENDED or fresh[store.pk].behind
    ]
    return min(moments, default=None)


def _iso(moment: datetime | None, tz=None) -> str | None:
    """``moment`` in ``tz`` (default: the current time zone), ISO 8601."""
    if moment is None:
        return None
    return _iso_in(moment, tz or timezone.get_current_timezone())


@lru_cache(maxsize=4096)
def _iso_in(moment: datetime, tz) -> str:
    """``moment`` in ``tz``, ISO 8601: the stores a drain vouched for at once share their ``as_of``."""
    return moment.astimezone(tz).isoformat()


def _subsidiary_name(store) -> str | None:
    if isinstance(store, StoreRef):
        return store.subsidiary_name
    return store.subsidiary.name if store.subsidiary_id else None


def _store_row(store: Store | StoreRef, cur: Figures, prev: Figures, fresh: Freshness, tz=None, url_parts=None) -> dict:
    """A store's row; ``tz`` and ``url_parts`` (``_url_parts``) computed once for many rows."""
    row = _store_row_begun(store, cur, fresh, tz, url_parts)
    row.update(_orders_headline(cur, prev))
    return row


def _store_row_begun(store: Store | StoreRef, cur: Figures, fresh: Freshness, tz=None, url_parts=None) -> dict:
    """A store's row with every figure but those of the orders pass (``_orders_headline`` writes
    them in their places), for a row begun before that pass has ended."""
    head, tail = url_parts or _url_parts()
    return {
        "id": store.pk,
        "name": store.name,
        "subdomain": store.subdomain,
        "subsidiary": store.subsidiary_id,
        "subsidiary_name": _subsidiary_name(store),
        "status": store.status,
        "url": head + store.subdomain + tail,
        **_UNWRITTEN_HEADLINE,
        **_other_headline(cur),
        "as_of": _iso(fresh.as_of, tz),
        "behind": fresh.behind,
    }


def _url_parts() -> tuple[str, str]:
    """What ``store_url`` puts before and after a subdomain (subdomains are letters, digits and '-')."""
    head, tail = store_url("\0").split("\0")
    return head, tail


# The figures of the per-store and per-subsidiary rows: a choice among the catalogue's keys.
HEADLINE_KEYS = (
    "gmv",
    "orders",
    "aov",
    "paying_customers",
    "repurchase_rate",
    "new_customers",
    "conversion_rate",
    "lost_rate",
    "net_revenue",
    "receivable_overdue",
    "gross_profit",
    "gross_margin",
    "lines_without_cost",
)


def _headline(cur: Figures, prev: Figures) -> dict:
    """The figures of a store or subsidiary row (``HEADLINE_KEYS``, as the catalogue writes them, and
    of the previous period only the gmv), written directly: a thousand rows per dashboard."""
    row = {**_UNWRITTEN_HEADLINE, **_other_headline(cur)}
    row.update(_orders_headline(cur, prev))
    return row


def _orders_headline(cur: Figures, prev: Figures) -> dict:
    """The row figures of the orders pass."""
    gmv, orders, previous = cur.gmv, cur.orders, prev.gmv
    change = _change(gmv, previous) if previous else None
    profit = gmv - cur.cost
    return {
        "gmv": str(gmv.quantize(CENT)),
        "orders": orders,
        "aov": str((gmv / orders).quantize(CENT)) if orders else None,
        "paying_customers": cur.paying,
        "repurchase_rate": _rate(cur.repurchasers, cur.paying),
        "gross_profit": str(profit.quantize(CENT)),
        "gross_margin": _rate(profit, gmv),
        "lines_without_cost": cur.uncosted,
        "gmv_previous": str((previous or ZERO).quantize(CENT)),
        "gmv_change": change,
        "gmv_trend": _GMV_TRENDS[_GMV.trend(change)],
    }


def _other_headline(cur: Figures) -> dict:
    """The row figures of every other part."""
    net, overdue = cur.net_revenue, cur.overdue
    return {
        "new_customers": cur.new_customers,
        "conversion_rate": _rate(cur.converted, cur.new_customers),
        "lost_rate": _rate(cur.released, cur.owned_at_start),
        "net_revenue": None if net is None else str(net.quantize(CENT)),
        "receivable_overdue": None if overdue is None else str(overdue.quantize(CENT)),
    }


# The row's figures in their order (``HEADLINE_KEYS``, then the previous gmv and its change).
_UNWRITTEN_HEADLINE = dict.fromkeys((*HEADLINE_KEYS, "gmv_previous", "gmv_change", "gmv_trend"))


def _change(current: Decimal, previous: Decimal) -> float:
    """``relative_change`` of two amounts, the second not zero."""
    return round(float((current - previous) / previous), RATE_PLACES)


_GMV = metric("gmv")
_GMV_TRENDS = {None: None, **{trend: str(trend) for trend in Trend}}


def dashboard_body(
    *,
    period: Period,
    stores: list[Store | StoreRef],
    platform: str | None = None,
    limit: int = 10,
    all_stores: bool = True,
) -> dict:
    """The HQ dashboard over ``stores`` (``all_stores``: no store filter, every fact counts).

    All statements run in one transaction with settings fit for these short aggregations: no JIT
    compilation and no parallel workers (starting either costs more than it saves at this size, and
    a request keeps to one core), and enough work memory for the hash aggregates to stay in memory."""
    # On the replica the transaction is REPEATABLE READ (config.database.replica_from_url): the
    # drain's watermark (StoreFeed) and the facts are read in one snapshot, one replayed moment.
    alias = read_alias()
    side = side_read.available(alias)
    with transaction.atomic(using=alias), read_connection().cursor() as cursor:
        cursor.execute(DASHBOARD_SETTINGS)
        _native_timestamps(cursor)
        token = _cursor.set(cursor)
        try:
            with side_read.side_reads(cursor, alias=alias, settings_sql=DASHBOARD_SETTINGS) if side else nullcontext():
                body = _dashboard_body(
                    period=period, stores=stores, platform=platform, limit=limit, all_stores=all_stores
                )
        finally:
            _cursor.reset(token)
    body["replica"] = _replica_body(alias)
    return body


def _native_timestamps(cursor) -> None:
    """Read ``timestamptz`` values on this cursor with psycopg's own loader (its C implementation)
    rather than Django's (Python, one call per value): a thousand store feeds per dashboard. Both
    give the same aware moment; the session's zone is UTC either way."""
    from psycopg.types.datetime import TimestamptzLoader

    raw = getattr(cursor, "cursor", cursor)
    raw.adapters.register_loader("timestamptz", TimestamptzLoader)


def _replica_body(alias: str) -> dict | None:
    """Read from a replica: when its last replayed commit happened and how far it is behind the
    primary. The body's ``as_of`` already holds only what the replica has (the drain's watermark is
    read from the replica itself); a lagging replica makes the stores ``behind`` sooner."""
    state = replica_state(alias) if alias == REPLICA else None
    if state is None:
        return None
    return {"replayed_at": _iso(state["replayed_at"]), "lag_seconds": state["lag_seconds"]}


def zone_groups(
    period: Period, stores: list[Store | StoreRef], *, all_stores: bool
) -> list[tuple[Period, tuple[int, ...] | None]]:
    """The period on each store's own clock, with the stores that keep it: ``[(period, store ids)]``.

    Every store is aggregated over its own local days (a store in Bogota's ``7d`` is Bogota's last
    seven days). Stores sharing a zone are read together; when all share one, the store filter is
    the request's own (``None``: every fact counts)."""
    zones: dict[str, list[int]] = {}
    for store in stores:
        zones.setdefault(zone_named(getattr(store, "timezone", None)).key, []).append(store.pk)
    if len(zones) <= 1:
        zone = zone_named(next(iter(zones), None))
        return [(period.in_zone(zone), None if all_stores else tuple(s.pk for s in stores))]
    return [(period.in_zone(zone_named(zone)), tuple(ids)) for zone, ids in sorted(zones.items())]


def _merge_breakdowns(parts: list[dict], period: Period) -> dict:
    """Sales trend, devices, provinces and platforms of several zone groups, summed by local bucket
    (a store's local day 3 March adds to every other store's 3 March)."""
    if len(parts) == 1:
        return parts[0]
    trend: dict[str, list] = {}
    devices: dict[str, list] = {}
    provinces: dict[str, list] = {}
    platforms: dict = {}
    for part in parts:
        for row in part["sales_trend"]:
            slot = trend.setdefault(row["bucket"][:19], [ZERO, 0])
            slot[0] += Decimal(row["gmv"])
            slot[1] += row["orders"]
        for row in part["devices"]:
            slot = devices.setdefault(row["device"], [ZERO, 0])
            slot[0] += Decimal(row["gmv"])
            slot[1] += row["orders"]
        for row in part["geography"]:
            slot = provinces.setdefault(row["province"], [ZERO, 0])
            slot[0] += Decimal(row["gmv"])
            slot[1] += row["orders"]
        for key, (gmv, n, paying) in part["platforms"].items():
            total = platforms.get(key, (ZERO, 0, 0))
            platforms[key] = (total[0] + gmv, total[1] + n, total[2] + (paying or 0))
    sales = [
        {
            "bucket": datetime.fromisoformat(label).replace(tzinfo=period.tz).isoformat(),
            "gmv": money(gmv),
            "orders": n,
        }
        for label, (gmv, n) in sorted(trend.items())
    ]
    geography = [
        {"province": province, "gmv": money(gmv), "orders": n}
        for province, (gmv, n) in sorted(provinces.items(), key=lambda item: (-item[1][0], item[0]))
    ]
    device_rows = [{"device": d, "gmv": money(gmv), "orders": n} for d, (gmv, n) in devices.items()]
    return {"sales_trend": sales, "devices": device_rows, "geography": geography, "platforms": platforms}


def _merge_rankings(results: list[tuple[list[dict], list[dict]]], limit: int) -> tuple[list[dict], list[dict]]:
    """Product and category rankings of several zone groups: summed by SKU (category), then cut."""
    if len(results) == 1:
        return results[0]

    def merge(rows_lists: list[list[dict]], key: str) -> list[dict]:
        merged: dict[str, dict] = {}
        for rows in rows_lists:
            for row in rows:
                slot = merged.setdefault(row[key], {**row, "amount": ZERO, "quantity": 0, "orders": 0})
                slot["amount"] += Decimal(row["amount"])
                slot["quantity"] += row["quantity"]
                slot["orders"] += row["orders"]
        ordered = sorted(merged.values(), key=lambda row: (-row["amount"], row[key]))[:limit]
        return [{**row, "amount": money(row["amount"])} for row in ordered]

    return (
        merge([products for products, _categories in results], "sku"),
        merge([categories for _products, categories in results], "category"),
    )


@dataclass
class _ZoneReads:
    """What ``_read_zones`` gathers over the zone groups of a dashboard."""

    cur_by_store: dict = field(default_factory=dict)
    prev_by_store: dict = field(default_factory=dict)
    by_platform: dict = field(default_factory=dict)  # {platform: Figures of P}
    breakdowns: list = field(default_factory=list)  # one per zone, for ``_merge_breakdowns``
    rankings: list = field(default_factory=list)  # one (products, categories) per zone
    # What the day rollups add to the totals beyond the stores' rows (the figures not shown per store).
    cur_total: Figures = field(default_factory=Figures)
    prev_total: Figures = field(default_factory=Figures)


def _read_zones(
    period: Period,
    stores: list,
    *,
    platform: str | None,
    limit: int,
    all_stores: bool,
    feeds: dict,
    while_waiting=None,
) -> _ZoneReads:
    """The figures of each store, by zone group: over whole local days of a zone whose day rollups
    sum its stores, the figures of each store row from the facts and the rest from the day rollups;
    otherwise everything from the facts. ``while_waiting`` (see ``figures_by``) is used when all the
    stores are in one group."""
    reads = _ZoneReads()
    rollup_zones = day_rollup_zones(stores, feeds) if all_stores else set()
    groups = zone_groups(period, stores, all_stores=all_stores)
    waiting = while_waiting if len(groups) == 1 else None
    for zone_period, store_ids in groups:
        scope = Scope(store_ids=store_ids, platform=platform)
        channels: dict = {}
        # Several zones: every product's full sums, cut after they are added up.
        ranking_limit = limit if len(groups) == 1 else None
        zone = zone_period.tz.key
        if zone in rollup_zones and covers_whole_days(zone_period):
            platforms: dict = {}
            cur, prev = figures_by(
                zone_period,
                scope,
                parts=ROLLUP_PARTS,
                channels=channels,
                platforms=platforms,
                while_waiting=waiting,
            )
            day = day_rollup_figures(zone_period, zone, platform, limit=ranking_limit)
            for key, amount in day.channel_net.items():
                channels.setdefault(key, Figures()).net_revenue = amount
            # (the current net revenue is in the store rows already)
            reads.cur_total.add(replace(day.cur, net_revenue=ZERO))
            reads.prev_total.add(day.prev)
            reads.breakdowns.append({**day.breakdown, "platforms": platforms})
            reads.rankings.append((day.products, day.categories))
        else:
            breakdown: dict = {}
            cur, prev = figures_by(zone_period, scope, channels=channels, breakdown=breakdown, while_waiting=waiting)
            reads.breakdowns.append(breakdown)
            reads.rankings.append(rankings(zone_period, scope, limit=ranking_limit))
        reads.cur_by_store.update(cur)
        reads.prev_by_store.update(prev)
        for key, figures in channels.items():
            reads.by_platform.setdefault(key, Figures()).add(figures)
    return reads


def _begin_store_rows(stores: list, fresh: dict) -> Callable[[dict], None]:
    """``while_waiting`` of ``figures_by`` (see ``_read_zones``): each store's row begun with the
    figures already read, kept in the function's ``rows`` (None when it was never called: no side
    connection, or stores in several zone groups)."""

    def begin(current: dict) -> None:
        tz, url_parts, nothing = timezone.get_current_timezone(), _url_parts(), Figures()
        begin.rows = {
            store.pk: _store_row_begun(store, current.get(store.pk, nothing), fresh[store.pk], tz, url_parts)
            for store in stores
        }

    begin.rows = None
    return begin


def _store_and_subsidiary_rows(
    stores: list, reads: _ZoneReads, fresh: dict, begun: dict | None = None
) -> tuple[list[dict], list[dict]]:
    """A row per store, by gmv (the row's own amount, to the cent) then name, and a row per
    subsidiary, whose figures are added to the totals (each store is in one subsidiary; facts of
    stores outside the list, a store deleted since, never count). ``begun``: the stores' rows begun
    while the orders pass ran (``_begin_store_rows``), finished here."""
    store_rows, subsidiaries = [], {}
    tz, url_parts = timezone.get_current_timezone(), _url_parts()
    cur_by_store, prev_by_store, nothing = reads.cur_by_store, reads.prev_by_store, Figures()
    for store in stores:
        cur = cur_by_store.get(store.pk, nothing)
        prev = prev_by_store.get(store.pk, nothing)
        if begun is not None:
            row = begun[store.pk]
            row.update(_orders_headline(cur, prev))
        else:
            row = _store_row(store, cur, prev, fresh[store.pk], tz, url_parts)
        store_rows.append((cur.gmv, row))
        key = store.subsidiary_id
        group = subsidiaries.get(key)
        if group is None:
            group = subsidiaries[key] = {
                "id": key,
                "name": _subsidiary_name(store),
                "stores": 0,
                "cur": Figures(),
                "prev": Figures(),
            }
        group["stores"] += 1
        group["cur"].add(cur)
        group["prev"].add(prev)
    for group in subsidiaries.values():
        reads.cur_total.add(group["cur"])
        reads.prev_total.add(group["prev"])
    subsidiary_rows = [
        {"id": g["id"], "name": g["name"], "stores": g["stores"], **_headline(g["cur"], g["prev"])}
        for g in subsidiaries.values()
    ]
    subsidiary_rows.sort(key=lambda row: (-Decimal(row["gmv"]), row["name"] or ""))
    ordered = [row for _gmv, row in sorted(store_rows, key=lambda item: (-item[0], item[1]["name"]))]
    return ordered, subsidiary_rows


def _channel_rows(platforms: dict, by_platform: dict) -> list[dict]:
    """A row per channel platform, by gmv: ``platforms`` {platform: (gmv, orders, paying)} of the
    breakdowns, ``by_platform`` {platform: Figures} of the customer and net revenue figures."""
    rows = []
    for key in sorted(set(platforms) | set(by_platform), key=lambda k: -platforms.get(k, (0,))[0]):
        gmv, n, paying = platforms.get(key, (ZERO, 0, 0))
        figures = by_platform.get(key, Figures())
        rows.append(
            {
                "channel": key or "",
                "gmv": money(gmv),
                "orders": n,
                "aov": money(gmv / n) if n else None,
                "paying_customers": paying,
                "new_customers": figures.new_customers,
                "net_revenue": money(figures.net_revenue),
            }
        )
    return rows


def _customer_mix(total: Figures) -> dict:
    return {
        "new": {"count": total.new_paying, "gmv": money(total.new_gmv)},
        "returning": {"count": total.paying - total.new_paying, "gmv": money(total.gmv - total.new_gmv)},
    }


def _dashboard_body(
    *, period: Period, stores: list[Store | StoreRef], platform: str | None, limit: int, all_stores: bool
):
    # Read before the facts: every change the feeds vouch for is in the figures that follow.
    feeds = store_feeds(stores, every=all_stores)
    fresh = store_freshness(stores, now=period.now, feeds=feeds)
    # The store rows are begun while the orders pass runs on the side connection, if it does.
    begin = _begin_store_rows(stores, fresh)
    reads = _read_zones(
        period, stores, platform=platform, limit=limit, all_stores=all_stores, feeds=feeds, while_waiting=begin
    )
    store_rows, subsidiary_rows = _store_and_subsidiary_rows(stores, reads, fresh, begin.rows)
    parts = _merge_breakdowns(reads.breakdowns, period)
    products, categories = _merge_rankings(reads.rankings, limit)
    return {
        "period": period.as_dict(),
        "previous_period": period.previous().as_dict(),
        "as_of": _iso(overall_as_of(stores, fresh)),
        "metrics": metric_body(reads.cur_total.values(), reads.prev_total.values()),
        "stores": store_rows,
        "subsidiaries": subsidiary_rows,
        "channels": _channel_rows(parts["platforms"], reads.by_platform),
        "product_ranking": products,
        "category_ranking": categories,
        "sales_trend": parts["sales_trend"],
        "customer_mix": _customer_mix(reads.cur_total),
        "geography": parts["geography"],
        "devices": parts["devices"],
    }


def freshness() -> datetime | None:
    """The oldest "last drained" time over the stores that have a feed."""
    rows = _rows("SELECT min(last_drained_at) FROM hq_reports_storefeed", {})
    return rows[0][0] if rows else None
