"""Daily sales rollups of a store: the additive Kanban figures without reading every order.

``kanban_salesrollup`` holds, per local day of the store's own time zone, channel and
owner, the non-cancelled orders summed by device, by the customer's province, by sku and by
category (amount, quantity, distinct orders), and the confirmed payments by their confirmation
day (``net``: collections and supplements minus refunds, by the order's channel and owner).
The sales, finance and customers apps record, with triggers of their own, the UTC day of every
change to orders, order lines, payments and customers' provinces, whoever makes it (services,
imports, merges, direct SQL), in change journals they publish as views (``CHANGED_DAYS``). Before
the rows of a range are read, ``ensure_fresh`` takes the changed days of that range from the
journals and rebuilds, from the orders and in the reader's transaction, the local days that overlap
them, so figures read from the rollups are always exactly those of the orders.
``kanban_rollupstate`` records the zone the rows were built in; a store whose zone changed is
rebuilt on its next read.
``kanban_orderfact`` holds every non-cancelled order with its place in its customer's history
(previous and next orders, first order, first follow-up after completion), kept the same way per
customer (the customers whose orders or follow-ups changed, ``CHANGED_CUSTOMERS``;
``ensure_customers_fresh``), and ``kanban_historyrollup`` sums them per local day for the
per-customer figures (see ``HistoryRollup``), kept by the facts that changed.
``rebuild`` rebuilds everything (backfill, repair). The other apps' rows are read through the views
they publish for reporting (``sales_reporting_order``...; see their ``reporting`` modules).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from shared_apps.reporting.periods import Period, local_midnight
from tenants.storetime import store_zone

# The longest period (in local days) whose per-customer figures are read from the history rollups.
GAP_DAYS = 31

LOCK_KEY = 7_316_204_551  # serialises the rebuilds of one store's days (per database, per schema below)

# The change journals of the apps the rollups are built from (see their ``reporting`` modules): the
# changes since the Kanban last took them, taken by DELETE ... RETURNING through the views.
CHANGED_DAYS = ("sales_reporting_changedday", "finance_reporting_changedday", "customers_reporting_changedday")
CHANGED_CUSTOMERS = ("sales_reporting_changedcustomer", "customers_reporting_changedcustomer")
DAYS_IN = "day >= %(lo)s AND day <= %(hi)s"

REFRESH = """
    WITH o AS MATERIALIZED (
        SELECT o.id, (o.signed_at AT TIME ZONE %(tz)s)::date AS day, o.channel_id, o.owner_id, o.device,
               o.amount, o.customer_id
        FROM sales_reporting_order o
        WHERE o.signed_at >= %(lo)s AND o.signed_at < %(hi)s AND o.status <> 'cancelled'
          AND (o.signed_at AT TIME ZONE %(tz)s)::date = ANY(%(days)s)
    ), p AS MATERIALIZED (
        SELECT (p.confirmed_at AT TIME ZONE %(tz)s)::date AS day, o.channel_id, o.owner_id,
               CASE WHEN p.kind = 'refund' THEN -p.amount ELSE p.amount END AS amount
        FROM finance_reporting_payment p JOIN sales_reporting_order o ON o.id = p.order_id
        WHERE p.status = 'confirmed' AND p.confirmed_at >= %(lo)s AND p.confirmed_at < %(hi)s
          AND (p.confirmed_at AT TIME ZONE %(tz)s)::date = ANY(%(days)s)
    ), l AS MATERIALIZED (
        SELECT o.day, o.channel_id, o.owner_id, l.order_id, l.sku, l.product_name, l.category_name,
               l.quantity, l.amount
        FROM o JOIN sales_reporting_orderline l ON l.order_id = o.id
    )
    INSERT INTO kanban_salesrollup (day, kind, level, channel_id, owner_id, key, label, amount, quantity, orders)
    SELECT day, 'device', grouping(channel_id, owner_id), channel_id, owner_id, device, '', sum(amount), 0, count(*)
    FROM o GROUP BY GROUPING SETS (
        (day, channel_id, owner_id, device), (day, channel_id, device), (day, owner_id, device), (day, device))
    UNION ALL
    SELECT o.day, 'province', grouping(o.channel_id, o.owner_id), o.channel_id, o.owner_id, c.province, '',
           sum(o.amount), 0, count(*)
    FROM o JOIN customers_reporting_customer c ON c.id = o.customer_id
    GROUP BY GROUPING SETS (
        (o.day, o.channel_id, o.owner_id, c.province), (o.day, o.channel_id, c.province),
        (o.day, o.owner_id, c.province), (o.day, c.province))
    UNION ALL
    SELECT day, 'sku', grouping(channel_id, owner_id), channel_id, owner_id, sku, max(product_name), sum(amount),
           sum(quantity), count(DISTINCT order_id)
    FROM l GROUP BY GROUPING SETS (
        (day, channel_id, owner_id, sku), (day, channel_id, sku), (day, owner_id, sku), (day, sku))
    UNION ALL
    SELECT day, 'category', grouping(channel_id, owner_id), channel_id, owner_id, category_name, category_name,
           sum(amount), sum(quantity), count(DISTINCT order_id)
    FROM l GROUP BY GROUPING SETS (
        (day, channel_id, owner_id, category_name), (day, channel_id, category_name),
        (day, owner_id, category_name), (day, category_name))
    UNION ALL
    SELECT day, 'net', grouping(channel_id, owner_id), channel_id, owner_id, '', '', sum(amount), 0, count(*)
    FROM p GROUP BY GROUPING SETS ((day, channel_id, owner_id), (day, channel_id), (day, owner_id), (day))
"""


# One body's reads (``read_scope``): its statements share one cursor, so the session's
# ``SET search_path`` is sent once per body instead of once per statement, and the zone and
# freshness checks of a range run once.
_scope: ContextVar[dict | None] = ContextVar("kanban_read_scope", default=None)


@contextmanager
def read_scope() -> Iterator[None]:
    """Run the figures of one body (inside its transaction) on one cursor, checking each range
    for changes once: a range found fresh stays so for the rest of the body."""
    with connection.cursor() as cursor:
        token = _scope.set({"cursor": cursor, "zone": False, "fresh": [], "customers": False})
        try:
            yield
        finally:
            _scope.reset(token)


@contextmanager
def cursor_for_reads() -> Iterator:
    """The body's shared cursor inside ``read_scope``, else a cursor of its own."""
    scope = _scope.get()
    if scope is not None:
        yield scope["cursor"]
        return
    with connection.cursor() as cursor:
        yield cursor


def _tz() -> ZoneInfo:
    return store_zone()


def _lock(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [LOCK_KEY % 2**31])


def _any_changed(cursor, journals, where: str = "true", params=None) -> bool:
    cursor.execute("SELECT " + " OR ".join(f"EXISTS (SELECT 1 FROM {j} WHERE {where})" for j in journals), params)
    return cursor.fetchone()[0]


def _take_changes(cursor, journals, key: str, where: str = "true", params=None) -> set:
    """Take (delete and return) the marked keys of ``journals`` that meet ``where``, in one statement."""
    taken = [f"t{i} AS (DELETE FROM {j} WHERE {where} RETURNING {key})" for i, j in enumerate(journals)]
    union = " UNION ".join(f"SELECT {key} FROM t{i}" for i in range(len(journals)))
    cursor.execute(f"WITH {', '.join(taken)} {union}", params)
    return {row[0] for row in cursor.fetchall()}


def refresh_days(days) -> int:
    """Rebuild the rollup rows of the local ``days`` from the orders (in the caller's transaction)."""
    days = sorted(set(days))
    if not days:
        return 0
    tz = _tz()
    params = {
        "tz": tz.key,
        "days": days,
        "lo": local_midnight(days[0], tz),
        "hi": local_midnight(days[-1] + timedelta(days=1), tz),
    }
    with cursor_for_reads() as cursor:
        cursor.execute("DELETE FROM kanban_salesrollup WHERE day = ANY(%(days)s)", params)
        cursor.execute(REFRESH, params)
        return cursor.rowcount


def local_days_of_utc_day(day: date, tz: ZoneInfo) -> set[date]:
    """The local days (in ``tz``) that the UTC day ``day`` overlaps: one or two."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    last = start + timedelta(days=1) - timedelta(microseconds=1)
    return {start.astimezone(tz).date(), last.astimezone(tz).date()}


def utc_days_of(first: date, last: date, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last UTC days that the local days ``first`` to ``last`` overlap."""
    lo = date.min if first <= date.min + timedelta(days=1) else local_midnight(first, tz).astimezone(UTC).date()
    if last >= date.max - timedelta(days=1):
        return lo, date.max
    end = local_midnight(last + timedelta(days=1), tz) - timedelta(microseconds=1)
    return lo, end.astimezone(UTC).date()


def _built_in(cursor) -> str | None:
    cursor.execute("SELECT zone FROM kanban_rollupstate WHERE singleton")
    row = cursor.fetchone()
    return row[0] if row else None


def ensure_zone() -> bool:
    """Rebuild every row when they were built in another zone than the store's; True if it did."""
    scope = _scope.get()
    if scope is not None and scope["zone"]:
        return False
    with cursor_for_reads() as cursor:
        same = _built_in(cursor) == _tz().key
    if not same:
        rebuild()
    if scope is not None:
        scope["zone"] = True
    return not same


def ensure_fresh(first: date, last: date) -> int:
    """Rebuild the local days between ``first`` and ``last`` (inclusive) that overlap a changed UTC
    day (and the other local day such a UTC day overlaps); returns how many local days."""
    if ensure_zone():
        return 0
    scope = _scope.get()
    if scope is not None:
        if any(a <= first and last <= b for a, b in scope["fresh"]):
            return 0
        scope["fresh"].append((first, last))
    tz = _tz()
    lo, hi = utc_days_of(first, last, tz)
    with cursor_for_reads() as cursor:
        if not _any_changed(cursor, CHANGED_DAYS, DAYS_IN, {"lo": lo, "hi": hi}):
            return 0
        _lock(cursor)
        utc_days = _take_changes(cursor, CHANGED_DAYS, "day", DAYS_IN, {"lo": lo, "hi": hi})
    days = set().union(*(local_days_of_utc_day(day, tz) for day in utc_days)) if utc_days else set()
    refresh_days(days)
    return len(days)


# The customer's orders in the order "signing time, then id"; one window per scope of a filter.
FACTS_OF = """
    SELECT o.id AS order_id, o.customer_id, o.channel_id, o.owner_id, o.signed_at, o.amount,
        o.cost, o.lines_without_cost,
        min(o.signed_at) OVER (PARTITION BY o.customer_id) AS first_at,
        lag(o.signed_at) OVER (PARTITION BY o.customer_id ORDER BY o.signed_at, o.id) AS prev_at,
        lag(o.signed_at) OVER (PARTITION BY o.customer_id, o.channel_id ORDER BY o.signed_at, o.id) AS prev_channel_at,
        lag(o.signed_at) OVER (PARTITION BY o.customer_id, o.owner_id ORDER BY o.signed_at, o.id) AS prev_owner_at,
        lag(o.signed_at) OVER (
            PARTITION BY o.customer_id, o.channel_id, o.owner_id ORDER BY o.signed_at, o.id
        ) AS prev_both_at,
        lead(o.signed_at) OVER (PARTITION BY o.customer_id ORDER BY o.signed_at, o.id) AS next_at,
        o.completed_at, o.rating,
        CASE WHEN o.completed_at IS NOT NULL THEN (
            SELECT f.created_at FROM customers_reporting_followup f
            WHERE f.customer_id = o.customer_id AND f.created_at >= o.completed_at
            ORDER BY f.created_at LIMIT 1
        ) END AS visit_at
    FROM sales_reporting_order o
    WHERE o.status <> 'cancelled' {customers}
"""
FACT_COLUMNS = (
    "order_id, customer_id, channel_id, owner_id, signed_at, amount, cost, lines_without_cost, first_at, prev_at,"
    " prev_channel_at,"
    " prev_owner_at, prev_both_at, next_at, completed_at, rating, visit_at"
)
FACTS = f"INSERT INTO kanban_orderfact ({FACT_COLUMNS})" + FACTS_OF


# The facts of some customers compared with what their orders give now, in the database: the ones
# that changed are written (and the ones gone deleted), and each is added to (or, gone, taken out
# of) its history rollup rows in the same statement, which returns the days it touched.
REFRESH_FACTS = """
    WITH new AS MATERIALIZED ({new}),
    cur AS MATERIALIZED (SELECT {columns} FROM kanban_orderfact WHERE customer_id = ANY(%(ids)s)),
    added AS MATERIALIZED (SELECT * FROM new EXCEPT SELECT * FROM cur),
    removed AS MATERIALIZED (SELECT * FROM cur EXCEPT SELECT * FROM new),
    gone AS (
        DELETE FROM kanban_orderfact f USING removed r
        WHERE f.order_id = r.order_id AND NOT EXISTS (SELECT 1 FROM added a WHERE a.order_id = r.order_id)
    ),
    written AS (
        INSERT INTO kanban_orderfact ({columns}) SELECT * FROM added
        ON CONFLICT (order_id) DO UPDATE SET {updates}
    ),
    changed AS (SELECT 1 AS sign, * FROM added UNION ALL SELECT -1, * FROM removed),
    {history}
    RETURNING day
""".format(
    new=FACTS_OF.format(customers="AND o.customer_id = ANY(%(ids)s)"),
    columns=FACT_COLUMNS,
    updates=", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS.replace(" ", "").split(",")[1:]),
    history="{history}",
)


def refresh_customers(customer_ids) -> set[date]:
    """Bring the order facts of ``customer_ids`` up to date with their orders and apply to the
    history rollups what changed: each fact that left is taken out of its rows and each new one
    added (caller's transaction); rows left with no order go. Returns the local days touched."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    history = _history_sql("changed", signed_in="true", completed_in="f.completed_at IS NOT NULL")
    with cursor_for_reads() as cursor:
        cursor.execute(REFRESH_FACTS.format(history=history), {"ids": ids, "tz": _tz().key})
        days = sorted({row[0] for row in cursor.fetchall()})
        if days:
            cursor.execute("DELETE FROM kanban_historyrollup WHERE day = ANY(%s) AND orders = 0", [days])
    return set(days)


# The local days of the order facts of ``source`` (with a ``sign``: 1 to add, -1 to take out), and
# the gaps of ``HistoryRollup`` (see there), capped.
HISTORY_FACTS = """
    f AS MATERIALIZED (
        SELECT f.sign, f.channel_id, f.owner_id, f.amount, f.cost, f.lines_without_cost, f.rating,
            f.prev_at IS NULL AS first_ever,
            (f.signed_at AT TIME ZONE %(tz)s)::date AS day,
            (f.completed_at AT TIME ZONE %(tz)s)::date AS done_day,
            (f.signed_at AT TIME ZONE %(tz)s)::date - (f.first_at AT TIME ZONE %(tz)s)::date AS since_first,
            (f.next_at AT TIME ZONE %(tz)s)::date - (f.signed_at AT TIME ZONE %(tz)s)::date AS to_next,
            (f.signed_at AT TIME ZONE %(tz)s)::date - (f.prev_at AT TIME ZONE %(tz)s)::date AS back_3,
            (f.signed_at AT TIME ZONE %(tz)s)::date - (f.prev_channel_at AT TIME ZONE %(tz)s)::date AS back_1,
            (f.signed_at AT TIME ZONE %(tz)s)::date - (f.prev_owner_at AT TIME ZONE %(tz)s)::date AS back_2,
            (f.signed_at AT TIME ZONE %(tz)s)::date - (f.prev_both_at AT TIME ZONE %(tz)s)::date AS back_0,
            floor(extract(epoch FROM f.visit_at - f.completed_at) / 86400) AS to_visit,
            {signed_in} AS signed_in, {completed_in} AS completed_in
        FROM {source} f
    )
"""

# The order facts signed or completed in some local days (``refresh_history``), each added once.
DAYS_FACTS = """
    days_facts AS (
        SELECT 1 AS sign, * FROM kanban_orderfact f
        WHERE (f.signed_at >= %(lo)s AND f.signed_at < %(hi)s)
           OR (f.completed_at >= %(lo)s AND f.completed_at < %(hi)s)
    ),"""
IN_DAYS = "f.{at} >= %(lo)s AND f.{at} < %(hi)s AND (f.{at} AT TIME ZONE %(tz)s)::date = ANY(%(days)s)"

SCOPES = {
    0: "channel_id, owner_id",
    1: "channel_id, NULL::bigint",
    2: "NULL::bigint, owner_id",
    3: "NULL::bigint, NULL::bigint",
}
GROUPS = {0: "channel_id, owner_id,", 1: "channel_id,", 2: "owner_id,", 3: ""}


def _history_sql(source: str, *, signed_in: str, completed_in: str) -> str:
    """The CTE and statement adding the facts of ``source`` to ``HistoryRollup`` (the rows they
    count in, see there), after the statement's other CTEs: orders and amounts are summed with the
    facts' sign, so a fact taken out undoes exactly what the same fact added."""
    cap = GAP_DAYS
    every = "GROUPING SETS ((day, channel_id, owner_id, gap), (day, channel_id, gap), (day, owner_id, gap), (day, gap))"
    parts = [
        f"""SELECT day, 'all', grouping(channel_id, owner_id), channel_id, owner_id, gap, sum(sign),
            sum(sign * amount), 0, 0, sum(sign * cost), sum(sign * lines_without_cost)
        FROM (SELECT *, least(since_first, {cap}) AS gap FROM f WHERE signed_in) x GROUP BY {every}""",
        f"""SELECT day, 'once', grouping(channel_id, owner_id), channel_id, owner_id, gap, sum(sign), 0, 0, 0, 0, 0
        FROM (SELECT *, least(coalesce(to_next, {cap}), {cap}) AS gap FROM f WHERE signed_in AND first_ever) x
        GROUP BY {every}""",
        f"""SELECT done_day, 'done', grouping(channel_id, owner_id), channel_id, owner_id, gap, sum(sign), 0,
            coalesce(sum(sign) FILTER (WHERE rating IS NOT NULL), 0),
            coalesce(sum(sign) FILTER (WHERE rating >= 4), 0), 0, 0
        FROM (SELECT *, least(coalesce(to_visit, {cap}), {cap})::int AS gap FROM f WHERE completed_in) x
        GROUP BY {every.replace("day", "done_day")}""",
    ]
    for level, scope in SCOPES.items():
        back = f"back_{level}"
        parts.append(
            f"""SELECT day, 'paying', {level}, {scope}, least(coalesce({back}, {cap}), {cap}), sum(sign), 0, 0, 0, 0, 0
            FROM f WHERE signed_in GROUP BY day, {GROUPS[level]} 6"""
        )
        parts.append(
            f"""SELECT day, 'new', {level}, {scope}, least(since_first, {cap}), sum(sign), 0, 0, 0, 0, 0
            FROM f WHERE signed_in AND {back} IS NULL GROUP BY day, {GROUPS[level]} 6"""
        )
    return (
        HISTORY_FACTS.format(source=source, signed_in=signed_in, completed_in=completed_in)
        + "INSERT INTO kanban_historyrollup"
        + " (day, kind, level, channel_id, owner_id, gap, orders, amount, rated, positive, cost, uncosted)\n"
        + "\nUNION ALL\n".join(parts)
        + """
        ON CONFLICT (day, kind, level, channel_id, owner_id, gap) DO UPDATE SET
            orders = kanban_historyrollup.orders + EXCLUDED.orders,
            amount = kanban_historyrollup.amount + EXCLUDED.amount,
            rated = kanban_historyrollup.rated + EXCLUDED.rated,
            positive = kanban_historyrollup.positive + EXCLUDED.positive,
            cost = kanban_historyrollup.cost + EXCLUDED.cost,
            uncosted = kanban_historyrollup.uncosted + EXCLUDED.uncosted"""
    )


def refresh_history(days) -> int:
    """Rebuild the history rollup rows of the local ``days`` from the order facts (caller's transaction)."""
    days = sorted(set(days))
    if not days:
        return 0
    tz = _tz()
    params = {
        "tz": tz.key,
        "days": days,
        "lo": local_midnight(days[0], tz),
        "hi": local_midnight(days[-1] + timedelta(days=1), tz),
    }
    history = _history_sql(
        "days_facts", signed_in=IN_DAYS.format(at="signed_at"), completed_in=IN_DAYS.format(at="completed_at")
    )
    with cursor_for_reads() as cursor:
        cursor.execute("DELETE FROM kanban_historyrollup WHERE day = ANY(%(days)s)", params)
        cursor.execute("WITH" + DAYS_FACTS + history, params)
        return cursor.rowcount


def ensure_customers_fresh() -> int:
    """Rebuild the order facts of every changed customer, and the history rollups of the days
    whose facts changed; returns how many customers."""
    if ensure_zone():
        return 0
    scope = _scope.get()
    if scope is not None:
        if scope["customers"]:
            return 0
        scope["customers"] = True
    with cursor_for_reads() as cursor:
        if not _any_changed(cursor, CHANGED_CUSTOMERS):
            return 0
        _lock(cursor)
        ids = _take_changes(cursor, CHANGED_CUSTOMERS, "customer_id")
    refresh_customers(ids)
    return len(ids)


def rebuild() -> int:
    """Rebuild every row from the orders and payments in the store's zone; returns the number of
    local days holding any."""
    zone = _tz().key
    with cursor_for_reads() as cursor:
        _lock(cursor)
        for journal in CHANGED_DAYS + CHANGED_CUSTOMERS:
            cursor.execute(f"DELETE FROM {journal}")
        cursor.execute("DELETE FROM kanban_salesrollup")
        cursor.execute("DELETE FROM kanban_orderfact")
        cursor.execute(FACTS.format(customers=""))
        cursor.execute("DELETE FROM kanban_historyrollup")
        cursor.execute(
            """
            SELECT (signed_at AT TIME ZONE %(tz)s)::date FROM sales_reporting_order
            UNION
            SELECT (completed_at AT TIME ZONE %(tz)s)::date FROM sales_reporting_order WHERE completed_at IS NOT NULL
            UNION
            SELECT (confirmed_at AT TIME ZONE %(tz)s)::date FROM finance_reporting_payment WHERE status = 'confirmed'
            ORDER BY 1
            """,
            {"tz": zone},
        )
        days = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO kanban_rollupstate (singleton, zone) VALUES (true, %s) "
            "ON CONFLICT (singleton) DO UPDATE SET zone = EXCLUDED.zone",
            [zone],
        )
    for start in range(0, len(days), 31):
        refresh_days(days[start : start + 31])
        refresh_history(days[start : start + 31])
    return len(days)


def covers(period: Period) -> tuple[date, date] | None:
    """The local days of ``period`` when it is made of whole local days of the store's zone, else None."""
    if period.hourly or getattr(period.tz, "key", None) != _tz().key:
        return None
    days = period.local_days()
    tz = _tz()
    if period.start != local_midnight(days[0], tz) or period.end != local_midnight(days[-1] + timedelta(days=1), tz):
        return None
    return days[0], days[-1]


def day_edges(period: Period) -> tuple[tuple[date, date] | None, list[tuple[datetime, datetime, int]]]:
    """How to sum an additive figure of ``period`` with the fewest rows: ``(days, ranges)`` where
    the figure is the rollup rows of ``days`` (first, last; or None for none) plus, for each range
    ``(lo, hi, sign)``, ``sign`` times the rows in ``[lo, hi)``. When ``period`` is in the rollups'
    zone and the parts of its first and last local days outside it are shorter (up to now) than the
    period itself, those days' rows less those parts; else the period's own rows."""
    direct = [(period.start, period.end, 1)]
    if period.end <= period.start or getattr(period.tz, "key", None) != _tz().key:
        return None, direct
    tz = _tz()
    first = period.start.astimezone(tz).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    day_start, day_end = local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)

    def span(lo: datetime, hi: datetime) -> timedelta:
        return max(min(hi, period.now) - min(lo, period.now), timedelta(0))

    if span(day_start, period.start) + span(period.end, day_end) >= span(period.start, period.end):
        return None, direct
    edges = [(lo, hi, -1) for lo, hi in ((day_start, period.start), (period.end, day_end)) if lo < hi]
    return (first, last), edges


def covers_today(period: Period) -> date | None:
    """The local day of an hourly ``period`` starting at its local midnight (``today``) when no
    non-cancelled order is signed between the period's end and the next midnight: the day's rollup
    rows are then exactly the period's orders."""
    tz = _tz()
    if not period.hourly or getattr(period.tz, "key", None) != tz.key:
        return None
    day = period.start.astimezone(tz).date()
    midnight = local_midnight(day + timedelta(days=1), tz)
    if period.start != local_midnight(day, tz) or period.end > midnight:
        return None
    with cursor_for_reads() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM sales_reporting_order WHERE signed_at >= %s AND signed_at < %s"
            " AND status <> 'cancelled')",
            [period.end, midnight],
        )
        if cursor.fetchone()[0]:
            return None
    return day


def history_covers(period: Period) -> tuple[tuple[date, date], tuple[date, date]] | None:
    """The local days of ``period`` and of the one before when both are whole local days, at most
    ``GAP_DAYS`` long: their per-customer figures can be read from the history rollups."""
    days, prev_days = covers(period), covers(period.previous())
    if days is None or prev_days is None:
        return None
    if max((days[1] - days[0]).days, (prev_days[1] - prev_days[0]).days) + 1 > GAP_DAYS:
        return None
    return days, prev_days


def level(filters) -> int:
    """The rollup rows to read for the filters (see ``SalesRollup.level``)."""
    by_channel = filters.channel_id is not None
    by_owner = filters.salesperson_id is not None
    return 0 if by_channel and by_owner else 1 if by_channel else 2 if by_owner else 3


def day_start(day: date) -> datetime:
    """The naive local midnight of ``day`` (how the trend buckets are keyed)."""
    return datetime(day.year, day.month, day.day)
