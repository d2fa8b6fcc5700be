"""The figures of the store Data Kanban and of enquiry statistics (metrics.md), one SQL per group.

Every function runs in the active store schema, reads the store's data with parameterised SQL
(the other apps' through the views they publish for reporting, ``sales_reporting_order``...)
and returns plain Python values (``Decimal`` for money, ``int`` for counts); ``reporting`` turns
them into the API body. Each group reads the current period P and the previous period P' in one
statement (``FILTER`` on ``cur``), so a Kanban costs a handful of index range scans. For periods
made of whole local days, rankings, trend, devices, geography and net revenue are summed from the
daily rollups, and the per-customer figures from the order facts (``rollups``: kept exact from
the orders and follow-ups through the change journals of the sales, finance and customers apps and
brought up to date before reading); the results are the same.

Filters (``Filters``): ``channel_id`` selects orders by their channel, customers by their channel,
releases by the customer's channel and daily enquiries by theirs; ``salesperson_id`` selects
orders by their owner, customers by their owner, releases by the former owner and contact records
by who recorded them.

Rules where metrics.md leaves a choice, exactly as implemented:

- "Not cancelled" is ``status <> 'cancelled'``; merged customers (``merged_into`` set) are never
  counted as customers.
- ``repurchase_rate`` and ``customer_mix`` look at the customer's *whole* history of non-cancelled
  orders (any channel, any owner): a paying customer repurchased when they have 2 or more
  non-cancelled orders signed before ``end``; they are ``new`` when none was signed before ``start``.
- ``conversion_rate``: customers created in P (filtered) with any non-cancelled order signed in P.
- ``return_visit_rate``: an order completed in P is visited when its customer has a follow-up
  recorded in ``[completed_at, completed_at + window)``, window = ``return_visit_window_days``.
- ``lost_rate``: numerator = distinct live customers with a pool release in P (filtered by the
  former owner and the customer's channel). Denominator = customers owned by a salesperson at
  ``start``, reconstructed as: (a) live customers owned now whose ``owner_since <= start`` (the
  same ownership ever since), plus (b) live customers created at or before ``start`` whose first
  release at or after ``start`` (by its former owner, under a salesperson filter) was not preceded,
  between ``start`` and that release, by an approved claim (so the released ownership already
  existed at ``start``). Ownership moved by a direct reassignment after ``start`` is not seen.
- ``net_revenue``: confirmed payment records by ``confirmed_at`` in P, collections + supplements -
  refunds, filtered by the order's channel and owner.
- ``receivable_overdue`` at ``as_of`` (``min(end, now)``): non-cancelled credit orders signed before
  ``as_of`` whose ``due_date`` is before the local date of ``as_of``, each with ``amount`` minus
  the collections confirmed before ``as_of``.
- ``new_enquiries`` of P: the daily records of the local dates P touches.
- Enquiry statistics: filtered by channel, enquiries and customers use the channel and the contact
  counts (which carry no channel) stay store-wide; filtered by salesperson, the contact counts and
  the customers are the salesperson's and ``new_enquiries`` stays store-wide.
  ``enquiry_payment_rate``'s numerator: customers whose first confirmed collection ever is in P.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared_apps.reporting.periods import Period
from tenant_apps.kanban import rollups

ZERO = Decimal("0.00")
DEVICES = ("pc", "mobile", "app", "unknown")


@dataclass(frozen=True)
class Filters:
    channel_id: int | None = None
    salesperson_id: int | None = None

    def orders(self, alias: str = "o") -> str:
        sql = ""
        if self.channel_id is not None:
            sql += f" AND {alias}.channel_id = %(channel_id)s"
        if self.salesperson_id is not None:
            sql += f" AND {alias}.owner_id = %(salesperson_id)s"
        return sql

    def customers(self, alias: str = "c") -> str:
        return self.orders(alias)

    def params(self) -> dict:
        return {"channel_id": self.channel_id, "salesperson_id": self.salesperson_id}


def _rows(sql: str, params: dict) -> list[tuple]:
    with rollups.cursor_for_reads() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _both(period: Period, filters: Filters) -> dict:
    prev = period.previous()
    return {**filters.params(), "pstart": prev.start, "start": period.start, "end": period.end}


def _split(rows, default) -> tuple:
    """Rows keyed by the leading ``cur`` boolean → (current, previous)."""
    found = {row[0]: row[1:] for row in rows}
    return found.get(True, default), found.get(False, default)


# ---------------------------------------------------------------------------------------------
# Orders signed in P: gmv, orders, paying customers, repurchase, customer mix
# ---------------------------------------------------------------------------------------------


def _previous_in_scope(filters: Filters) -> str:
    """The column of ``kanban_orderfact`` holding the customer's previous order within the filters."""
    by_channel, by_owner = filters.channel_id is not None, filters.salesperson_id is not None
    return (
        "prev_both_at"
        if by_channel and by_owner
        else "prev_channel_at"
        if by_channel
        else ("prev_owner_at" if by_owner else "prev_at")
    )


def order_figures(period: Period, filters: Filters) -> dict:
    """``gmv``, ``orders``, ``paying_customers``, ``repeat_customers`` for P and P', and the
    customer mix (``new`` / ``returning`` count and gmv) for P, from the orders' places in their
    customers' histories (``kanban_orderfact``, see ``rollups``): summed per day from the history
    rollups when P and P' are whole local days (at most ``rollups.GAP_DAYS``), else in one scan of
    the order facts of P' and P:

    - a paying customer of P is counted once, on their first order of P within the filters (the
      previous one within the filters was signed before P, or there is none);
    - they repurchased (two or more orders ever signed before ``end``) when that order has a
      previous order overall, or a next one signed before ``end``;
    - they are new when their first order ever is in P; the new customers' gmv is that of every
      order of P of a customer whose first order is in P."""
    rollups.ensure_customers_fresh()
    spans = rollups.history_covers(period)
    if spans is not None:
        cur, prev_row = _history_order_rows(*spans, filters)
    else:
        cur, prev_row = _fact_order_rows(period, filters)

    def pack(row):
        return {
            "gmv": row[0],
            "orders": int(row[1]),
            "paying_customers": row[2],
            "repeat_customers": row[3],
            "cost": row[6],
            "lines_without_cost": int(row[7]),
        }

    new_count, new_gmv = cur[4], cur[5]
    return {
        "current": pack(cur),
        "previous": pack(prev_row),
        "customer_mix": {
            "new": {"count": new_count, "gmv": new_gmv},
            "returning": {"count": cur[2] - new_count, "gmv": cur[0] - new_gmv},
        },
    }


def _history_order_rows(days, prev_days, filters: Filters) -> tuple[tuple, tuple]:
    """The order figures of P and P' from ``kanban_historyrollup`` (whole local days): per day d of a
    period [first, last], its first orders are those whose previous one in scope is more than
    d − first days back, its customers who did not repurchase the first orders ever whose next
    order is more than last − d days ahead, its new customers the orders with none in scope and
    its new customers' gmv every order at most d − first days after the customer's first."""

    def side(first: str, last: str) -> str:
        within = f"r.day >= %({first})s AND r.day <= %({last})s"
        return f"""
            coalesce(sum(r.amount) FILTER (WHERE r.kind = 'all' AND {within}), 0),
            coalesce(sum(r.orders) FILTER (WHERE r.kind = 'all' AND {within}), 0),
            coalesce(sum(r.orders) FILTER (WHERE r.kind = 'paying' AND {within} AND r.gap > r.day - %({first})s), 0),
            coalesce(sum(r.orders) FILTER (WHERE r.kind = 'once' AND {within} AND r.gap > %({last})s - r.day), 0),
            coalesce(sum(r.orders) FILTER (WHERE r.kind = 'new' AND {within} AND r.gap <= r.day - %({first})s), 0),
            coalesce(sum(r.amount) FILTER (WHERE r.kind = 'all' AND {within} AND r.gap <= r.day - %({first})s), 0),
            coalesce(sum(r.cost) FILTER (WHERE r.kind = 'all' AND {within}), 0),
            coalesce(sum(r.uncosted) FILTER (WHERE r.kind = 'all' AND {within}), 0)
        """

    sql = f"""
        SELECT {side("first", "last")}, {side("pfirst", "plast")}
        FROM kanban_historyrollup r
        WHERE r.kind IN ('all', 'paying', 'once', 'new') AND r.day >= %(pfirst)s AND r.day <= %(last)s
        {_rollup_filters(filters)}
    """
    params = {
        **filters.params(),
        "first": days[0],
        "last": days[1],
        "pfirst": prev_days[0],
        "plast": prev_days[1],
    }
    row = _rows(sql, params)[0]

    def pack(gmv, orders, paying, once, new, new_gmv, cost, uncosted):
        return (gmv, orders, paying, paying - once, new, new_gmv, cost, uncosted)

    return pack(*row[:8]), pack(*row[8:])


def _fact_order_rows(period: Period, filters: Filters) -> tuple[tuple, tuple]:
    """The order figures of P and P' in one scan of their order facts (any period)."""
    prev = _previous_in_scope(filters)
    sql = f"""
        SELECT cur, coalesce(sum(amount), 0), count(*),
            count(*) FILTER (WHERE first_in_p),
            count(*) FILTER (WHERE first_in_p AND (prev_at IS NOT NULL OR next_at < p_end)),
            count(*) FILTER (WHERE first_in_p AND first_at >= p_start),
            coalesce(sum(amount) FILTER (WHERE first_at >= p_start), 0),
            coalesce(sum(cost), 0), coalesce(sum(lines_without_cost), 0)
        FROM (
            SELECT o.signed_at >= %(start)s AS cur, o.amount, o.cost, o.lines_without_cost,
                o.prev_at, o.next_at, o.first_at,
                CASE WHEN o.signed_at >= %(start)s THEN %(start)s ELSE %(pstart)s END AS p_start,
                CASE WHEN o.signed_at >= %(start)s THEN %(end)s ELSE %(start)s END AS p_end,
                (o.{prev} IS NULL
                 OR o.{prev} < CASE WHEN o.signed_at >= %(start)s THEN %(start)s ELSE %(pstart)s END) AS first_in_p
            FROM kanban_orderfact o
            WHERE o.signed_at >= %(pstart)s AND o.signed_at < %(end)s {filters.orders()}
        ) po
        GROUP BY cur
    """
    return _split(_rows(sql, _both(period, filters)), (ZERO, 0, 0, 0, 0, ZERO, ZERO, 0))


# ---------------------------------------------------------------------------------------------
# Customers created in P: new customers and their conversion
# ---------------------------------------------------------------------------------------------


def customer_figures(period: Period, filters: Filters) -> dict:
    """``new_customers`` and ``converted`` (created in P with a non-cancelled order signed in P)."""
    sql = f"""
        SELECT c.created_at >= %(start)s AS cur, count(*),
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM sales_reporting_order o
                WHERE o.customer_id = c.id AND o.status <> 'cancelled'
                  AND o.signed_at >= CASE WHEN c.created_at >= %(start)s THEN %(start)s ELSE %(pstart)s END
                  AND o.signed_at < CASE WHEN c.created_at >= %(start)s THEN %(end)s ELSE %(start)s END
            ))
        FROM customers_reporting_customer c
        WHERE c.merged_into_id IS NULL AND c.created_at >= %(pstart)s AND c.created_at < %(end)s
        {filters.customers()}
        GROUP BY 1
    """
    cur, prev = _split(_rows(sql, _both(period, filters)), (0, 0))
    return {
        "current": {"new_customers": cur[0], "converted": cur[1]},
        "previous": {"new_customers": prev[0], "converted": prev[1]},
    }


# ---------------------------------------------------------------------------------------------
# Orders completed in P: feedback and return visits
# ---------------------------------------------------------------------------------------------


def completion_figures(period: Period, filters: Filters, *, window_days: int) -> dict:
    """Orders completed in P and P': completed, rated, rated 4-5, and visited within the window
    (the customer's first follow-up at or after completion, ``visit_at`` of the order's fact, was
    recorded before ``completed_at`` + window): from the history rollups (whole days since
    completion) when P and P' are whole local days and the window at most ``rollups.GAP_DAYS``,
    else from the order facts."""
    rollups.ensure_customers_fresh()
    spans = rollups.history_covers(period)
    window = int(window_days)
    if spans is not None and window <= rollups.GAP_DAYS:
        (first, last), (pfirst, _plast) = spans
        sql = f"""
            SELECT r.day >= %(first)s AS cur, sum(r.orders), sum(r.rated), sum(r.positive),
                coalesce(sum(r.orders) FILTER (WHERE r.gap < %(window)s), 0)
            FROM kanban_historyrollup r
            WHERE r.kind = 'done' AND r.day >= %(pfirst)s AND r.day <= %(last)s {_rollup_filters(filters)}
            GROUP BY 1
        """
        params = {**filters.params(), "first": first, "last": last, "pfirst": pfirst, "window": window}
    else:
        sql = f"""
            SELECT o.completed_at >= %(start)s AS cur, count(*), count(*) FILTER (WHERE o.rating IS NOT NULL),
                count(*) FILTER (WHERE o.rating >= 4),
                count(*) FILTER (WHERE o.visit_at < o.completed_at + make_interval(days => %(window)s))
            FROM kanban_orderfact o
            WHERE o.completed_at >= %(pstart)s AND o.completed_at < %(end)s {filters.orders()}
            GROUP BY 1
        """
        params = {**_both(period, filters), "window": window}
    cur, prev = _split(_rows(sql, params), (0, 0, 0, 0))

    def pack(row):
        return {"completed": int(row[0]), "rated": int(row[1]), "positive": int(row[2]), "visited": int(row[3])}

    return {"current": pack(cur), "previous": pack(prev)}


# ---------------------------------------------------------------------------------------------
# Pool releases: lost rate
# ---------------------------------------------------------------------------------------------


def lost_figures(period: Period, filters: Filters) -> dict:
    """Released customers of P and P', and the customers owned at the start of each (see the
    module's rules), in one statement: the few releases of the two periods and the first release
    after each start look their customer up by key, and the customers owned since before each
    start are counted in one range of ``customer_owned_since``."""
    former = " AND r.former_owner_id = %(salesperson_id)s" if filters.salesperson_id is not None else ""
    owner = " AND c.owner_id = %(salesperson_id)s" if filters.salesperson_id is not None else ""
    channel = " AND c.channel_id = %(channel_id)s" if filters.channel_id is not None else ""
    # The customer of a release, looked up by key (OFFSET 0 keeps the planner from hashing every customer).
    customer = """CROSS JOIN LATERAL (
            SELECT c.channel_id, c.created_at FROM customers_reporting_customer c
            WHERE c.id = {ref} AND c.merged_into_id IS NULL OFFSET 0
        ) c"""
    sql = f"""
        WITH released AS (
            SELECT count(DISTINCT r.customer_id) FILTER (WHERE r.at >= %(start)s) AS cur,
                count(DISTINCT r.customer_id) FILTER (WHERE r.at < %(start)s) AS prev
            FROM pool_reporting_release r {customer.format(ref="r.customer_id")}
            WHERE r.at >= %(pstart)s AND r.at < %(end)s {former}{channel}
        ), owned AS (
            SELECT count(*) FILTER (WHERE c.owner_since <= %(start)s) AS cur,
                count(*) FILTER (WHERE c.owner_since <= %(pstart)s) AS prev
            FROM customers_reporting_customer c
            WHERE c.merged_into_id IS NULL AND c.owner_id IS NOT NULL AND c.owner_since <= %(start)s
            {owner}{channel}
        ), starts (at, cur) AS (
            VALUES (%(start)s::timestamptz, true), (%(pstart)s::timestamptz, false)
        ), released_owned AS (
            SELECT count(*) FILTER (WHERE f.cur) AS cur, count(*) FILTER (WHERE NOT f.cur) AS prev
            FROM (
                SELECT DISTINCT ON (s.cur, r.customer_id) s.cur, s.at AS since, r.customer_id, r.at,
                    r.former_owner_id
                FROM starts s JOIN pool_reporting_release r ON r.at >= s.at
                ORDER BY s.cur, r.customer_id, r.at, r.id
            ) f {customer.format(ref="f.customer_id")}
            WHERE c.created_at <= f.since {former.replace("r.", "f.")}{channel}
              AND NOT EXISTS (
                  SELECT 1 FROM pool_reporting_claim cl
                  WHERE cl.customer_id = f.customer_id AND cl.status = 'approved'
                    AND cl.decided_at >= f.since AND cl.decided_at < f.at
              )
        )
        SELECT released.cur, released.prev, owned.cur + released_owned.cur, owned.prev + released_owned.prev
        FROM released, owned, released_owned
    """
    released, released_prev, owned, owned_prev = _rows(sql, _both(period, filters))[0]
    return {
        "current": {"released": released, "owned_at_start": int(owned)},
        "previous": {"released": released_prev, "owned_at_start": int(owned_prev)},
    }


# ---------------------------------------------------------------------------------------------
# Money: net revenue and overdue receivables
# ---------------------------------------------------------------------------------------------


def net_revenue(period: Period, filters: Filters) -> tuple[Decimal, Decimal]:
    """Net revenue of P and P' in one statement. Each period is read, where that is shorter, from
    the daily rollups of the local days it touches less the payments of those days outside it
    (``rollups.day_edges``): a period of whole local days is its rollup rows alone, ``today`` the
    day's row less what is confirmed after now, and the previous part-day the row of yesterday
    less its first hours, or those hours themselves when they are fewer. Otherwise its payments
    are summed."""
    filtered = filters.channel_id is not None or filters.salesperson_id is not None
    # The order of each payment looked up by key (OFFSET 0: not a hash of the channel's or owner's
    # every order).
    join = (
        " CROSS JOIN LATERAL (SELECT o.channel_id, o.owner_id FROM sales_reporting_order o"
        " WHERE o.id = p.order_id OFFSET 0) o"
        if filtered
        else ""
    )
    parts, params = [], {**filters.params()}
    for i, (cur, p) in enumerate(((True, period), (False, period.previous()))):
        days, ranges = rollups.day_edges(p)
        if days is not None:
            rollups.ensure_fresh(*days)
            params[f"first{i}"], params[f"last{i}"] = days
            parts.append(
                f"""SELECT {cur} AS cur, r.amount AS v FROM kanban_salesrollup r
                WHERE r.kind = 'net' AND r.day >= %(first{i})s AND r.day <= %(last{i})s {_rollup_filters(filters)}"""
            )
        for j, (lo, hi, sign) in enumerate(ranges):
            params[f"lo{i}_{j}"], params[f"hi{i}_{j}"] = lo, hi
            parts.append(
                f"""SELECT {cur} AS cur, {sign} * CASE WHEN p.kind = 'refund' THEN -p.amount ELSE p.amount END AS v
                FROM finance_reporting_payment p{join}
                WHERE p.status = 'confirmed' AND p.confirmed_at >= %(lo{i}_{j})s AND p.confirmed_at < %(hi{i}_{j})s
                {filters.orders() if filtered else ""}"""
            )
    sql = f"SELECT sum(v) FILTER (WHERE cur), sum(v) FILTER (WHERE NOT cur) FROM ({' UNION ALL '.join(parts)}) t"
    cur, prev = _rows(sql, params)[0]
    return (ZERO if cur is None else cur), (ZERO if prev is None else prev)


def _order_net_revenue(period: Period, filters: Filters) -> tuple[Decimal, Decimal]:
    """Net revenue of P and P' from their payments alone (the reference ``net_revenue`` is tested against)."""
    filtered = filters.channel_id is not None or filters.salesperson_id is not None
    # The order of each payment of the two periods looked up by key (OFFSET 0: not a hash of the
    # channel's or owner's every order).
    join = (
        " CROSS JOIN LATERAL (SELECT o.channel_id, o.owner_id FROM sales_reporting_order o"
        " WHERE o.id = p.order_id OFFSET 0) o"
        if filtered
        else ""
    )
    sql = f"""
        SELECT p.confirmed_at >= %(start)s AS cur,
            coalesce(sum(CASE WHEN p.kind = 'refund' THEN -p.amount ELSE p.amount END), 0)
        FROM finance_reporting_payment p{join}
        WHERE p.status = 'confirmed' AND p.confirmed_at >= %(pstart)s AND p.confirmed_at < %(end)s
        {filters.orders() if filtered else ""}
        GROUP BY 1
    """
    cur, prev = _split(_rows(sql, _both(period, filters)), (ZERO,))
    return cur[0], prev[0]


def receivable_overdue(period: Period, filters: Filters) -> Decimal:
    """Overdue receivables at ``as_of`` (see ``receivable_overdue_at``)."""
    return receivable_overdue_at([period], filters)[0]


def receivable_overdue_at(periods: list[Period], filters: Filters) -> list[Decimal]:
    """Overdue receivables at the ``as_of`` of each period. The credit orders owing at a moment are
    those still open now and those fully collected only since then (two small index ranges instead
    of every credit order due before it), each with the collections confirmed since added back.
    When the earliest moment is within the last day, those (few) collections are read once by
    confirmation time from the index alone and joined to the orders owing, for every moment in one
    statement; otherwise each moment is read on its own, its collections looked up per order."""
    recent = all(p.now - p.as_of <= timedelta(days=1) for p in periods)
    if len(periods) > 1 and not recent:
        return [receivable_overdue_at([p], filters)[0] for p in periods]
    moments = [(p.as_of, p.as_of.astimezone(p.tz).date()) for p in periods]
    params = {**filters.params()}
    for i, (at, day) in enumerate(moments):
        params[f"at{i}"], params[f"day{i}"] = at, day
    params["first"] = min(at for at, _ in moments)
    params["last"] = max(at for at, _ in moments)
    params["last_day"] = max(day for _, day in moments)
    columns = "o.id, o.amount, o.collected, o.due_date, o.signed_at"
    # Still open: owing at every moment it was due by (read from the index alone).
    owing = f"""
        SELECT {columns}, NULL::timestamptz AS fully_collected_at FROM sales_reporting_order o
        WHERE o.payment_mode = 'credit' AND o.status <> 'cancelled' AND o.collected < o.amount
          AND o.due_date < %(last_day)s AND o.signed_at < %(last)s {filters.orders()}
        UNION ALL
        SELECT {columns}, o.fully_collected_at FROM sales_reporting_order o
        WHERE o.payment_mode = 'credit' AND o.status <> 'cancelled' AND o.collected >= o.amount
          AND o.fully_collected_at >= %(first)s
          AND o.due_date < %(last_day)s AND o.signed_at < %(last)s {filters.orders()}
    """
    owes = [
        f"""o.due_date < %(day{i})s AND o.signed_at < %(at{i})s
            AND (o.collected < o.amount OR o.fully_collected_at >= %(at{i})s)"""
        for i in range(len(moments))
    ]
    if recent:
        # What each owes now, plus each collection since a moment of an order owing then: the
        # orders owing are read once, the few collections joined to them (no sum per order).
        now_owed = ", ".join(f"CASE WHEN {owe} THEN o.amount - o.collected END" for owe in owes)
        since_owed = ", ".join(
            f"CASE WHEN p.confirmed_at >= %(at{i})s AND {owe} THEN p.amount END" for i, owe in enumerate(owes)
        )
        totals = ", ".join(f"coalesce(sum(v{i}), 0)" for i in range(len(moments)))
        names = ", ".join(f"v{i}" for i in range(len(moments)))
        sql = f"""
            WITH o AS MATERIALIZED ({owing})
            SELECT {totals} FROM (
                SELECT {now_owed} FROM o
                UNION ALL
                SELECT {since_owed} FROM finance_reporting_payment p JOIN o ON o.id = p.order_id
                WHERE p.kind = 'collection' AND p.status = 'confirmed' AND p.confirmed_at >= %(first)s
            ) t ({names})"""
        return list(_rows(sql, params)[0])
    since = ", ".join(f"sum(p.amount) FILTER (WHERE p.confirmed_at >= %(at{i})s) AS l{i}" for i in range(len(moments)))
    later_join = f"""
        LEFT JOIN LATERAL (
            SELECT {since} FROM finance_reporting_payment p
            WHERE p.order_id = o.id AND p.kind = 'collection' AND p.status = 'confirmed'
              AND p.confirmed_at >= %(first)s
        ) later ON true"""
    sums = ", ".join(
        f"coalesce(sum(o.amount - o.collected + coalesce(later.l{i}, 0)) FILTER (WHERE {owe}), 0)"
        for i, owe in enumerate(owes)
    )
    return list(_rows(f"SELECT {sums} FROM ({owing}) o{later_join}", params)[0])


# ---------------------------------------------------------------------------------------------
# Enquiries and contacts
# ---------------------------------------------------------------------------------------------


def _days(period: Period) -> tuple[date, date]:
    """The first and last local day of ``period``; an empty period (``today`` at the very local
    midnight) has none: its last day is before its first, so day-level records count nothing."""
    days = period.local_days()
    if not days:
        day = period.start.astimezone(period.tz).date()
        return day, day - timedelta(days=1)
    return days[0], days[-1]


def _two_sums(period: Period, filters: Filters, *, view: str, columns: tuple[str, str], where: str) -> dict:
    """The sums of ``columns`` of the daily view ``view`` over P and over P' (``where``: an extra
    condition on ``r``, given when its filter is set)."""
    first, last = _days(period)
    pfirst, _ = _days(period.previous())
    a, b = columns
    sql = f"""
        SELECT r.date >= %(first)s AS cur, coalesce(sum(r.{a}), 0), coalesce(sum(r.{b}), 0)
        FROM {view} r
        WHERE r.date >= %(pfirst)s AND r.date <= %(last)s {where}
        GROUP BY 1
    """
    params = {**filters.params(), "first": first, "last": last, "pfirst": pfirst}
    cur, prev = _split(_rows(sql, params), (0, 0))
    return {
        "current": {a: int(cur[0]), b: int(cur[1])},
        "previous": {a: int(prev[0]), b: int(prev[1])},
    }


def enquiry_counts(period: Period, filters: Filters) -> dict:
    """``enquiries`` / ``new_enquiries`` of P and P' (store-wide or of the channel)."""
    channel = " AND r.channel_id = %(channel_id)s" if filters.channel_id is not None else ""
    return _two_sums(
        period,
        filters,
        view="enquiries_reporting_dailyenquiry",
        columns=("enquiries", "new_enquiries"),
        where=channel,
    )


def enquiries_by_channel(period: Period) -> dict[int, tuple[int, int]]:
    first, last = _days(period)
    sql = """
        SELECT e.channel_id, sum(e.enquiries), sum(e.new_enquiries) FROM enquiries_reporting_dailyenquiry e
        WHERE e.date >= %(first)s AND e.date <= %(last)s GROUP BY 1
    """
    return {row[0]: (int(row[1]), int(row[2])) for row in _rows(sql, {"first": first, "last": last})}


def contact_counts(period: Period, filters: Filters) -> dict:
    """``wechat_added`` / ``phone_contacts`` of P and P' (the team's or the salesperson's)."""
    who = " AND r.user_id = %(salesperson_id)s" if filters.salesperson_id is not None else ""
    return _two_sums(
        period,
        filters,
        view="enquiries_reporting_contactrecord",
        columns=("wechat_added", "phone_contacts"),
        where=who,
    )


def contacts_by_salesperson(period: Period) -> dict[int, tuple[int, int]]:
    first, last = _days(period)
    sql = """
        SELECT r.user_id, sum(r.wechat_added), sum(r.phone_contacts) FROM enquiries_reporting_contactrecord r
        WHERE r.date >= %(first)s AND r.date <= %(last)s GROUP BY 1
    """
    return {row[0]: (int(row[1]), int(row[2])) for row in _rows(sql, {"first": first, "last": last})}


def first_payment_customers(period: Period, filters: Filters) -> tuple[int, int]:
    """Customers whose first confirmed collection ever falls in P, and in P'."""
    sql = f"""
        WITH cand AS (
            SELECT o.customer_id, min(p.confirmed_at) AS first_at
            FROM finance_reporting_payment p JOIN sales_reporting_order o ON o.id = p.order_id
            WHERE p.status = 'confirmed' AND p.kind = 'collection'
              AND p.confirmed_at >= %(pstart)s AND p.confirmed_at < %(end)s
            GROUP BY o.customer_id
        )
        SELECT cand.first_at >= %(start)s AS cur, count(*)
        FROM cand JOIN customers_reporting_customer c ON c.id = cand.customer_id
        WHERE c.merged_into_id IS NULL {filters.customers()}
          AND NOT EXISTS (
            SELECT 1 FROM finance_reporting_payment p2 JOIN sales_reporting_order o2 ON o2.id = p2.order_id
            WHERE o2.customer_id = cand.customer_id AND p2.status = 'confirmed' AND p2.kind = 'collection'
              AND p2.confirmed_at < %(pstart)s
          )
        GROUP BY 1
    """
    # A customer first paying in P' is not "first" in P: split by the earliest collection in [P', P].
    cur, prev = _split(_rows(sql, _both(period, filters)), (0,))
    return cur[0], prev[0]


def customer_conversion_by_channel(period: Period, filters: Filters) -> dict:
    """Per customer channel: customers created in P converted in P, and first-time payers in P."""
    owner = " AND c.owner_id = %(salesperson_id)s" if filters.salesperson_id is not None else ""
    sql = f"""
        SELECT c.channel_id, count(*) FROM customers_reporting_customer c
        WHERE c.merged_into_id IS NULL AND c.created_at >= %(start)s AND c.created_at < %(end)s {owner}
          AND EXISTS (SELECT 1 FROM sales_reporting_order o WHERE o.customer_id = c.id AND o.status <> 'cancelled'
                      AND o.signed_at >= %(start)s AND o.signed_at < %(end)s)
        GROUP BY 1
    """
    converted = dict(_rows(sql, _both(period, filters)))
    sql = f"""
        WITH cand AS (
            SELECT o.customer_id, min(p.confirmed_at) AS first_at
            FROM finance_reporting_payment p JOIN sales_reporting_order o ON o.id = p.order_id
            WHERE p.status = 'confirmed' AND p.kind = 'collection'
              AND p.confirmed_at >= %(start)s AND p.confirmed_at < %(end)s
            GROUP BY o.customer_id
        )
        SELECT c.channel_id, count(*) FROM cand JOIN customers_reporting_customer c ON c.id = cand.customer_id
        WHERE c.merged_into_id IS NULL {owner}
          AND NOT EXISTS (
            SELECT 1 FROM finance_reporting_payment p2 JOIN sales_reporting_order o2 ON o2.id = p2.order_id
            WHERE o2.customer_id = cand.customer_id AND p2.status = 'confirmed' AND p2.kind = 'collection'
              AND p2.confirmed_at < %(start)s
          )
        GROUP BY 1
    """
    paying = dict(_rows(sql, _both(period, filters)))
    return {"converted": converted, "paying": paying}


# ---------------------------------------------------------------------------------------------
# Transaction analysis: rankings, trend, geography, devices
# ---------------------------------------------------------------------------------------------


def _rollup_filters(filters: Filters) -> str:
    return f" AND r.level = {rollups.level(filters)}" + filters.orders("r")


def _rollup_rankings(first: date, last: date, filters: Filters, limit: int) -> list[tuple]:
    sql = f"""
        (SELECT 'p', r.key, max(r.label), sum(r.amount) AS amount, sum(r.quantity), sum(r.orders)
         FROM kanban_salesrollup r
         WHERE r.kind = 'sku' AND r.day >= %(first)s AND r.day <= %(last)s {_rollup_filters(filters)}
         GROUP BY r.key ORDER BY amount DESC, r.key LIMIT %(limit)s)
        UNION ALL
        (SELECT 'c', r.key, r.key, sum(r.amount) AS amount, sum(r.quantity), sum(r.orders)
         FROM kanban_salesrollup r
         WHERE r.kind = 'category' AND r.day >= %(first)s AND r.day <= %(last)s {_rollup_filters(filters)}
         GROUP BY r.key ORDER BY amount DESC, r.key LIMIT %(limit)s)
    """
    return _rows(sql, {**filters.params(), "first": first, "last": last, "limit": limit})


def rankings(period: Period, filters: Filters, *, limit: int) -> dict:
    """Top products (by sku) and categories of P by amount: from the daily rollups when P is made
    of whole local days (or is today with nothing signed later today), else from the order lines."""
    days = rollups.covers(period)
    if days is None and (today := rollups.covers_today(period)) is not None:
        days = (today, today)
    if days is not None:
        rollups.ensure_fresh(*days)
        return _ranking_rows(_rollup_rankings(*days, filters, limit))
    return _ranking_rows(_order_rankings(period, filters, limit))


def _order_rankings(period: Period, filters: Filters, limit: int) -> list[tuple]:
    sql = f"""
        WITH l AS MATERIALIZED (
            SELECT l.order_id, l.sku, l.product_name, l.category_name, l.quantity, l.amount
            FROM sales_reporting_order o JOIN sales_reporting_orderline l ON l.order_id = o.id
            WHERE o.signed_at >= %(start)s AND o.signed_at < %(end)s AND o.status <> 'cancelled'
            {filters.orders()}
        )
        (SELECT 'p', sku, max(product_name), sum(amount) AS amount, sum(quantity), count(DISTINCT order_id)
         FROM l GROUP BY sku ORDER BY amount DESC, sku LIMIT %(limit)s)
        UNION ALL
        (SELECT 'c', category_name, category_name, sum(amount) AS amount, sum(quantity), count(DISTINCT order_id)
         FROM l GROUP BY category_name ORDER BY amount DESC, category_name LIMIT %(limit)s)
    """
    return _rows(sql, {**_both(period, filters), "limit": limit})


def _ranking_rows(rows: list[tuple]) -> dict:
    products = [
        {"sku": r[1], "name": r[2], "amount": r[3], "quantity": int(r[4]), "orders": r[5]} for r in rows if r[0] == "p"
    ]
    categories = [
        {"category": r[1], "name": r[2], "amount": r[3], "quantity": int(r[4]), "orders": r[5]}
        for r in rows
        if r[0] == "c"
    ]
    return {"product_ranking": products, "category_ranking": categories}


def breakdowns(period: Period, filters: Filters) -> dict:
    """Sales trend per local bucket, geography per customer province and devices, for P."""
    days = rollups.covers(period)
    if days is not None:
        rollups.ensure_fresh(*days)
        rows = _rows(
            f"""
            SELECT grouping(r.day), grouping(r.kind, r.key), 1, r.day, r.key, NULL, sum(r.amount), sum(r.orders)
            FROM kanban_salesrollup r
            WHERE r.kind = 'device' AND r.day >= %(first)s AND r.day <= %(last)s {_rollup_filters(filters)}
            GROUP BY GROUPING SETS ((r.day), (r.kind, r.key))
            UNION ALL
            SELECT 1, 1, 0, NULL, NULL, r.key, sum(r.amount), sum(r.orders)
            FROM kanban_salesrollup r
            WHERE r.kind = 'province' AND r.day >= %(first)s AND r.day <= %(last)s {_rollup_filters(filters)}
            GROUP BY r.key
            """,
            {**filters.params(), "first": days[0], "last": days[1]},
        )
        rows = [(g_b, g_d, g_p, None if b is None else rollups.day_start(b), *rest) for g_b, g_d, g_p, b, *rest in rows]
    elif (today := rollups.covers_today(period)) is not None:
        # Today: devices and provinces from the day's rollup rows, the hourly trend from the orders.
        rollups.ensure_fresh(today, today)
        rows = _rows(
            f"""
            SELECT 1, CASE r.kind WHEN 'device' THEN 0 ELSE 1 END, CASE r.kind WHEN 'province' THEN 0 ELSE 1 END,
                NULL, CASE r.kind WHEN 'device' THEN r.key END, CASE r.kind WHEN 'province' THEN r.key END,
                sum(r.amount), sum(r.orders)
            FROM kanban_salesrollup r
            WHERE r.kind IN ('device', 'province') AND r.day = %(day)s {_rollup_filters(filters)}
            GROUP BY r.kind, r.key
            """,
            {**filters.params(), "day": today},
        )
        rows += _rows(
            f"""
            SELECT 0, 1, 1, date_trunc('hour', o.signed_at AT TIME ZONE %(tz)s), NULL, NULL, sum(o.amount), count(*)
            FROM sales_reporting_order o
            WHERE o.signed_at >= %(start)s AND o.signed_at < %(end)s AND o.status <> 'cancelled' {filters.orders()}
            GROUP BY 4
            """,
            {**_both(period, filters), "tz": str(period.tz.key)},
        )
    else:
        rows = _order_breakdown_rows(period, filters)
    return _breakdown_body(period, rows)


def _order_breakdown_rows(period: Period, filters: Filters) -> list[tuple]:
    unit = "hour" if period.hourly else "day"
    sql = f"""
        SELECT grouping(t.b), grouping(t.device), grouping(t.province), t.b, t.device, t.province,
            sum(t.amount), count(*)
        FROM (
            SELECT date_trunc('{unit}', o.signed_at AT TIME ZONE %(tz)s) AS b, o.device, c.province, o.amount
            FROM sales_reporting_order o JOIN customers_reporting_customer c ON c.id = o.customer_id
            WHERE o.signed_at >= %(start)s AND o.signed_at < %(end)s AND o.status <> 'cancelled'
            {filters.orders()}
        ) t
        GROUP BY GROUPING SETS ((t.b), (t.device), (t.province))
    """
    return _rows(sql, {**_both(period, filters), "tz": str(period.tz.key)})


def _breakdown_body(period: Period, rows: list[tuple]) -> dict:
    trend: dict = {}
    devices: dict = {}
    geography = []
    for g_b, g_d, g_p, b, device, province, gmv, orders in rows:
        if not g_b:
            trend[b] = (gmv, orders)
        elif not g_d:
            devices[device] = (gmv, orders)
        elif not g_p:
            geography.append({"province": province, "gmv": gmv, "orders": orders})
    sales_trend = []
    for bucket in period.buckets():
        gmv, orders = trend.get(bucket.replace(tzinfo=None), (ZERO, 0))
        sales_trend.append({"bucket": bucket.isoformat(), "gmv": gmv, "orders": orders})
    geography.sort(key=lambda row: (-row["gmv"], row["province"]))
    device_rows = [
        {"device": d, "gmv": devices.get(d, (ZERO, 0))[0], "orders": devices.get(d, (ZERO, 0))[1]} for d in DEVICES
    ]
    device_rows += [{"device": d, "gmv": v[0], "orders": v[1]} for d, v in devices.items() if d not in DEVICES]
    return {"sales_trend": sales_trend, "geography": geography, "devices": device_rows}


def tune_session() -> None:
    """Memory for the sorts and hashes of the figure queries, for the current transaction only."""
    with rollups.cursor_for_reads() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Each query reads index ranges in tens of milliseconds: compiling it, or starting parallel
        # workers that each build the same hash, costs more than it saves on a busy server.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def outbox_watermark() -> int:
    """The latest published fact: any change that publishes moves it (one index lookup)."""
    return int(_rows("SELECT coalesce(max(id), 0) FROM outbox_reporting_event", {})[0][0])
