"""Federation: how each store's facts reach the public schema, exactly and idempotently.

Design
------
**Store side.** A service that changes something HQ reports on calls
``tenant_apps.outbox.services.publish(topic=..., entity_id=...)`` inside its own transaction: the
event (``outbox_outboxevent`` in the store schema) commits or rolls back with the change. An event
names the entity that changed, never the change itself. ``tenant_apps.outbox.reporting`` reads the
*current* state of entities from the store tables with SQL and returns frozen dataclasses.

**Public side.** ``hq_reports.models`` holds one fact row per store entity, keyed by
``(store, entity id)``, with exactly the columns the figures of metrics.md need:

- ``OrderFact`` (customer, owner, channel id + platform, device, status/cancelled, amount,
  collected, payment mode, due date, signed/completed times, rating) and ``OrderLineFact`` (sku,
  names, quantity, amount, with the order's signed time, channel and owner copied) for rankings;
- ``CustomerFact`` (created, channel, owner and owner_since, province, merged, and the times of the
  customer's first and second non-cancelled orders ever);
- ``PaymentFact`` (confirmed records only: kind, amount, confirmed time, the order's channel/owner);
- ``ReleaseFact``, ``ClaimFact`` (approved claims), ``FollowUpFact``, ``EnquiryFact`` (daily
  enquiry figures per channel);
- ``StoreFeed`` per store: drain bookkeeping (with how fresh the facts are: the last drain and the
  oldest event it left pending) and the store's return-visit window.

Every HQ figure is one SQL over these facts (``hq_reports.dashboard``), so non-additive figures
are exact rather than sums of daily rates: paying customers are distinct ``(store, customer)``
pairs; repurchase and new/returning customers come from ``first_order_at``/``second_order_at``.
Customers belong to one store (the same person in two stores is two customers), so the HQ count of
paying customers over several stores is the sum of each store's distinct count.

**Drain** (job ``hq.rollup``, per store, every 10 s, and ``drain()`` here). In one transaction on
the store's connection (public and store schema are one database): take the store's advisory lock
with ``pg_try_advisory_xact_lock`` (a second drain of the same store gives way at once), read the
oldest pending events in id order (a batch), re-read the current state of the changed entities
and of what depends on them, delete their facts and insert the fresh ones, and mark the events
drained. A crash rolls the facts and the marks back together; a replay re-reads the same state;
events committed late (out of id order) are still pending and are taken by the next batch. Nothing
is lost, nothing is counted twice. Each batch also records in ``StoreFeed``, in its transaction, its
time and the time of the oldest event still pending after it (``pending_since``): HQ tells how fresh
each store's facts are from that alone (``hq_reports.dashboard.store_freshness``). What an event
refreshes:

- ``order``: the order, its lines and confirmed payments, and the customers it belongs (and
  belonged) to (their first/second order times);
- ``payment``: the payment record and its order (``collected``);
- ``customer``: the customer and everything that points at it (orders, follow-ups, releases,
  approved claims), which covers merges (records move to the survivor) and owner changes
  (a claim approval publishes the customer);
- ``release``: the release and its customer; ``follow_up``: the follow-up; ``enquiry``: the day.

**Derived columns** (``refresh_derived``): what the facts say of themselves, so that each figure
is one pass over a period's facts with no per-customer join: on each order fact its customer's
previous / next / first non-cancelled order (and previous one of its platform) and its return-visit
flag, on each customer fact its orders around its creation, on each line whether it is its order's
first of the product / category, on each collection fact its order's credit terms, and per store and
platform (``StoreTotals``) the customers owned now and what open credit orders owe. Every drain
batch refreshes them for the customers and orders it touched (before and after), in its transaction;
a new return-visit window refreshes the store's flags; the reconciliation recomputes them for the
whole store. Each statement computes the values from the facts alone and writes only the rows that
differ, so the derived state is always that of a direct computation (``derived_differences``).

**Day rollups** (``DayRollup``, see the section at the end): the order, line, payment and enquiry
facts of every store summed per local day of the store's zone (``StoreFeed.rollup_zone``, which every
drain batch and reconciliation sets to the store's zone), kept by database triggers on the facts:
whatever writes facts, in whatever transaction, appends the change of the sums, so nothing here
computes them; the drain's writes stay proportional to the rows it changes.

**Reconciliation** (job ``hq.reconcile``, per store, nightly; ``run_job hq.reconcile --store s``):
under the same lock (waiting for it), compare every entity of the store with the facts, in SQL
(the store schema and the public facts are one database): report per table how many rows were
missing, extra or different, and fix exactly those. Pending events stay pending: draining them
later rewrites the same state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import astuple, dataclass, fields
from datetime import datetime

from django.db import connection, models, transaction
from django.utils import timezone

from hq_reports.models import (
    DAY_ROLLUP_KEY,
    DAY_ROLLUP_SUMS,
    ClaimFact,
    CustomerFact,
    EnquiryFact,
    FollowUpFact,
    OrderFact,
    OrderLineFact,
    PaymentFact,
    ReleaseFact,
    StoreFeed,
)
from tenant_apps.outbox import reporting
from tenant_apps.outbox import selectors as outbox_selectors
from tenant_apps.outbox import services as outbox_services
from tenants.storetime import store_zone

logger = logging.getLogger(__name__)

# The advisory-lock namespace of the HQ feed (first key); the store id is the second.
LOCK_NAMESPACE = 7_000_001
BATCH_SIZE = 500


@dataclass(frozen=True)
class FactKind:
    name: str
    model: type[models.Model]
    row_type: type
    key: str  # the entity id column

    @property
    def columns(self) -> list[str]:
        return [f.name for f in fields(self.row_type)]


KINDS = {
    "orders": FactKind("orders", OrderFact, reporting.OrderRow, "order_id"),
    "order_lines": FactKind("order_lines", OrderLineFact, reporting.OrderLineRow, "line_id"),
    "customers": FactKind("customers", CustomerFact, reporting.CustomerRow, "customer_id"),
    "payments": FactKind("payments", PaymentFact, reporting.PaymentRow, "payment_id"),
    "releases": FactKind("releases", ReleaseFact, reporting.ReleaseRow, "release_id"),
    "follow_ups": FactKind("follow_ups", FollowUpFact, reporting.FollowUpRow, "follow_up_id"),
    "claims": FactKind("claims", ClaimFact, reporting.ClaimRow, "claim_id"),
    "enquiries": FactKind("enquiries", EnquiryFact, reporting.EnquiryRow, "enquiry_id"),
}

# The store's reading of every row of a kind (``reporting.every_row_sql``), for the reconciliation.
SOURCES = {
    "orders": "orders",
    "order_lines": "order_lines",
    "customers": "customers",
    "payments": "payments",
    "releases": "releases",
    "follow_ups": "follow_ups",
    "claims": "approved_claims",
    "enquiries": "enquiries",
}


def _current_store_id() -> int:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == "public":
        raise RuntimeError("the HQ feed runs inside a store schema")
    return tenant.pk


def _try_lock(store_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, store_id])
        return bool(cursor.fetchone()[0])


def _lock(store_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, store_id])


def _existing(kind: FactKind, store_id: int, column: str, ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    return set(kind.model.objects.filter(store_id=store_id, **{f"{column}__in": ids}).values_list(kind.key, flat=True))


def _replace(kind: FactKind, store_id: int, rows: list, *, delete: models.Q | None) -> None:
    """Delete the facts matched by ``delete`` and insert ``rows`` (the fresh state)."""
    if delete is not None:
        kind.model.objects.filter(delete, store_id=store_id).delete()
    if rows:
        kind.model.objects.bulk_create(
            [kind.model(store_id=store_id, **dict(zip(kind.columns, astuple(row), strict=True))) for row in rows],
            batch_size=2000,
        )


def _refresh(kind: FactKind, store_id: int, keys: set[int], reader: Callable[[list[int]], list]) -> list:
    if not keys:
        return []
    rows = reader(sorted(keys))
    _replace(kind, store_id, rows, delete=models.Q(**{f"{kind.key}__in": sorted(keys)}))
    return rows


def apply_changes(*, store_id: int, changed: dict[str, set[int]]) -> dict[str, int]:
    """Bring the facts of the named entities (``topic -> ids``) to their current state."""
    order_ids = set(changed.get("order", ()))
    payment_ids = set(changed.get("payment", ()))
    customer_ids = set(changed.get("customer", ()))
    release_ids = set(changed.get("release", ()))
    follow_up_ids = set(changed.get("follow_up", ()))
    enquiry_ids = set(changed.get("enquiry", ()))

    # What a customer change reaches: its orders, follow-ups and releases, now and as the facts know them.
    if customer_ids:
        order_ids |= {row.order_id for row in reporting.orders(customer_ids=customer_ids)}
        order_ids |= _existing(KINDS["orders"], store_id, "customer_id", customer_ids)
        follow_up_ids |= {row.follow_up_id for row in reporting.follow_ups(customer_ids=customer_ids)}
        follow_up_ids |= _existing(KINDS["follow_ups"], store_id, "customer_id", customer_ids)
        release_ids |= {row.release_id for row in reporting.releases(customer_ids=customer_ids)}
        release_ids |= _existing(KINDS["releases"], store_id, "customer_id", customer_ids)
        claim_ids = {row.claim_id for row in reporting.approved_claims(customer_ids=customer_ids)}
        claim_ids |= _existing(KINDS["claims"], store_id, "customer_id", customer_ids)
        _refresh(KINDS["claims"], store_id, claim_ids, lambda ids: reporting.approved_claims(ids=ids))

    if payment_ids:
        payments = _refresh(KINDS["payments"], store_id, payment_ids, lambda ids: reporting.payments(ids=ids))
        order_ids |= {row.order_id for row in payments}

    counts = {"orders": 0, "customers": 0, "payments": len(payment_ids), "releases": 0, "follow_ups": 0}
    if order_ids:
        # The customers the orders belonged to as the facts know them (a merge moves orders).
        customer_ids |= set(
            OrderFact.objects.filter(store_id=store_id, order_id__in=sorted(order_ids)).values_list(
                "customer_id", flat=True
            )
        )
        orders = _refresh(KINDS["orders"], store_id, order_ids, lambda ids: reporting.orders(ids=ids))
        customer_ids |= {row.customer_id for row in orders}
        ids = sorted(order_ids)
        _replace(
            KINDS["order_lines"], store_id, reporting.order_lines(order_ids=ids), delete=models.Q(order_id__in=ids)
        )
        _replace(KINDS["payments"], store_id, reporting.payments(order_ids=ids), delete=models.Q(order_id__in=ids))
        counts["orders"] = len(order_ids)

    if release_ids:
        releases = _refresh(KINDS["releases"], store_id, release_ids, lambda ids: reporting.releases(ids=ids))
        customer_ids |= {row.customer_id for row in releases}
        counts["releases"] = len(release_ids)
    if follow_up_ids:
        # A follow-up counts for its customer's return visits, as the facts knew it and as it is now.
        customer_ids |= set(
            FollowUpFact.objects.filter(store_id=store_id, follow_up_id__in=sorted(follow_up_ids)).values_list(
                "customer_id", flat=True
            )
        )
        follow_ups = _refresh(KINDS["follow_ups"], store_id, follow_up_ids, lambda ids: reporting.follow_ups(ids=ids))
        customer_ids |= {row.customer_id for row in follow_ups}
        counts["follow_ups"] = len(follow_up_ids)
    if enquiry_ids:
        _refresh(KINDS["enquiries"], store_id, enquiry_ids, lambda ids: reporting.enquiries(ids=ids))
    if customer_ids:
        _refresh(KINDS["customers"], store_id, customer_ids, lambda ids: reporting.customers(ids=ids))
        counts["customers"] = len(customer_ids)
    # Every customer whose orders, follow-ups or own fact changed (before and after), and the
    # orders whose lines were replaced.
    refresh_derived(store_ids=[store_id], customer_ids=customer_ids, order_ids=order_ids)
    return counts


# --- derived figures: what the facts say of themselves, kept with every write ------------------------
#
# Every write of facts (a drain batch, a reconciliation) ends with ``refresh_derived`` over what it
# touched, in its transaction. Each statement recomputes the derived columns from the facts alone,
# for the given stores and customers (orders), and writes only the rows whose values differ; so the
# derived state always equals a direct computation over the facts (``derived_differences`` compares
# them, the tests hold it after inserts, updates and deletes, and the reconciliation repairs it).

# Orders: the customer's previous / next non-cancelled order, previous one of the same platform,
# first one, and the return-visit flag of a completed order (a follow-up of its customer within the
# store's window after completion). ``{customers}`` limits to some customers.
_ORDERS_DERIVED = """
WITH live AS (
    SELECT o.id,
           lag(o.signed_at) OVER w AS prev,
           lag(o.signed_at) OVER (PARTITION BY o.store_id, o.customer_id, o.platform
                                  ORDER BY o.signed_at, o.order_id) AS prev_platform,
           lead(o.signed_at) OVER w AS next,
           min(o.signed_at) OVER (PARTITION BY o.store_id, o.customer_id) AS first
    FROM hq_reports_orderfact o
    WHERE o.store_id = ANY(%(stores)s) AND NOT o.cancelled {customers}
    WINDOW w AS (PARTITION BY o.store_id, o.customer_id ORDER BY o.signed_at, o.order_id)),
fresh AS (
    SELECT o.id, live.prev, live.prev_platform, live.next, live.first,
           o.completed_at IS NOT NULL AND EXISTS (
               SELECT 1 FROM hq_reports_followupfact fu
               WHERE fu.store_id = o.store_id AND fu.customer_id = o.customer_id
                 AND fu.created_at >= o.completed_at
                 AND fu.created_at < o.completed_at + make_interval(days => COALESCE(sf.return_visit_window_days, 7))
           ) AS revisited
    FROM hq_reports_orderfact o
    LEFT JOIN live ON live.id = o.id
    LEFT JOIN hq_reports_storefeed sf ON sf.store_id = o.store_id
    WHERE o.store_id = ANY(%(stores)s) {customers})
{action}
"""
_ORDERS_COLUMNS = "prev_signed_at, prev_platform_signed_at, next_signed_at, customer_first_at, revisited"
_ORDERS_FRESH = "f.prev, f.prev_platform, f.next, f.first, f.revisited"

# Customers: the last order before creation and the first one from it (conversion).
_CUSTOMERS_DERIVED = """
WITH fresh AS (
    SELECT c.id, max(o.signed_at) FILTER (WHERE o.signed_at < c.created_at) AS before,
           min(o.signed_at) FILTER (WHERE o.signed_at >= c.created_at) AS after
    FROM hq_reports_customerfact c
    LEFT JOIN hq_reports_orderfact o ON o.store_id = c.store_id AND o.customer_id = c.customer_id AND NOT o.cancelled
    WHERE c.store_id = ANY(%(stores)s) {customers}
    GROUP BY c.id)
{action}
"""
_CUSTOMERS_COLUMNS = "order_before_created_at, order_from_created_at"
_CUSTOMERS_FRESH = "f.before, f.after"

# Lines: the first line (by line id) of its SKU, of its category, in its order.
_LINES_DERIVED = """
WITH fresh AS (
    SELECT l.id,
           row_number() OVER (PARTITION BY l.store_id, l.order_id, l.sku ORDER BY l.line_id) = 1 AS fs,
           row_number() OVER (PARTITION BY l.store_id, l.order_id, l.category_name ORDER BY l.line_id) = 1 AS fc
    FROM hq_reports_orderlinefact l
    WHERE l.store_id = ANY(%(stores)s) {orders})
{action}
"""
_LINES_COLUMNS = "first_of_sku, first_of_category"
_LINES_FRESH = "f.fs, f.fc"

# Payments: the order's fact as overdue receivables read it of a collection.
_PAYMENTS_DERIVED = """
WITH fresh AS (
    SELECT p.id,
           COALESCE(o.payment_mode = 'credit' AND NOT o.cancelled, false) AS credit,
           COALESCE(o.collected < o.amount, false) AS open,
           o.due_date, o.signed_at, o.fully_collected_at
    FROM hq_reports_paymentfact p
    LEFT JOIN hq_reports_orderfact o ON o.store_id = p.store_id AND o.order_id = p.order_id
    WHERE p.store_id = ANY(%(stores)s) {orders})
{action}
"""
_PAYMENTS_COLUMNS = "order_credit, order_open, order_due_date, order_signed_at, order_fully_collected_at"
_PAYMENTS_FRESH = "f.credit, f.open, f.due_date, f.signed_at, f.fully_collected_at"

_DERIVED = {
    "orders": ("hq_reports_orderfact", _ORDERS_DERIVED, _ORDERS_COLUMNS, _ORDERS_FRESH),
    "customers": ("hq_reports_customerfact", _CUSTOMERS_DERIVED, _CUSTOMERS_COLUMNS, _CUSTOMERS_FRESH),
    "order_lines": ("hq_reports_orderlinefact", _LINES_DERIVED, _LINES_COLUMNS, _LINES_FRESH),
    "payments": ("hq_reports_paymentfact", _PAYMENTS_DERIVED, _PAYMENTS_COLUMNS, _PAYMENTS_FRESH),
}
_ALIAS = {"orders": "o", "customers": "c", "order_lines": "l", "payments": "p"}

# The store totals (``StoreTotals``) per store and platform, computed again from the facts.
_TOTALS_FRESH = """
SELECT store_id, platform, sum(owned)::int AS owned, sum(owed) AS owed FROM (
    SELECT c.store_id, c.platform, count(*) AS owned, 0 AS owed
    FROM hq_reports_customerfact c
    WHERE c.store_id = ANY(%(stores)s) AND c.owner_id IS NOT NULL AND c.owner_since IS NOT NULL AND NOT c.merged
    GROUP BY 1, 2
    UNION ALL
    SELECT o.store_id, o.platform, 0, sum(o.amount - o.collected)
    FROM hq_reports_orderfact o
    WHERE o.store_id = ANY(%(stores)s) AND o.payment_mode = 'credit' AND NOT o.cancelled
      AND o.collected < o.amount AND o.due_date IS NOT NULL
    GROUP BY 1, 2) t
GROUP BY 1, 2
"""


def _derived_statement(name: str, *, update: bool, customers: bool = False, orders: bool = False) -> str:
    table, sql, columns, fresh = _DERIVED[name]
    held = ", ".join(f"t.{column}" for column in columns.split(", "))
    if update:
        action = (
            f"UPDATE {table} t SET ({columns}) = ({fresh}) FROM fresh f "
            f"WHERE t.id = f.id AND ({held}) IS DISTINCT FROM ({fresh})"
        )
    else:
        action = f"SELECT count(*) FROM {table} t JOIN fresh f ON f.id = t.id WHERE ({held}) IS DISTINCT FROM ({fresh})"
    alias = _ALIAS[name]
    return sql.format(
        customers=f"AND {alias}.customer_id = ANY(%(customers)s)" if customers else "",
        orders=f"AND {alias}.order_id = ANY(%(orders)s)" if orders else "",
        action=action,
    )


def refresh_derived(
    *, store_ids: Iterable[int], customer_ids: Iterable[int] | None = None, order_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Bring the derived columns of the facts of ``store_ids`` (and their ``StoreTotals``) up to
    date: of the orders and customer facts of ``customer_ids``, and of the lines and payments of
    ``order_ids`` (``None``: all of them; empty: none). Returns how many rows each part changed."""
    stores = sorted({int(i) for i in store_ids})
    changed = {name: 0 for name in (*_DERIVED, "totals")}
    if not stores:
        return changed
    customers = None if customer_ids is None else sorted({int(i) for i in customer_ids})
    orders = None if order_ids is None else sorted({int(i) for i in order_ids})
    params = {"stores": stores, "customers": customers or [], "orders": orders or []}
    with connection.cursor() as cursor:
        if customers is None or customers:
            for name in ("orders", "customers"):
                cursor.execute(_derived_statement(name, update=True, customers=customers is not None), params)
                changed[name] = cursor.rowcount
        if orders is None or orders:
            for name in ("order_lines", "payments"):
                cursor.execute(_derived_statement(name, update=True, orders=orders is not None), params)
                changed[name] = cursor.rowcount
        if customers is None or customers or orders:
            changed["totals"] = _refresh_totals(cursor, stores)
    return changed


def _refresh_totals(cursor, stores: list[int]) -> int:
    """Compute the ``StoreTotals`` of ``stores`` again; returns how many rows changed."""
    cursor.execute(
        f"""
        WITH fresh AS ({_TOTALS_FRESH}),
        gone AS (
            DELETE FROM hq_reports_storetotals h WHERE h.store_id = ANY(%(stores)s)
              AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.store_id = h.store_id AND f.platform = h.platform
                                                      AND f.owned = h.owned AND f.owed = h.credit_owed)
            RETURNING 1),
        added AS (
            INSERT INTO hq_reports_storetotals (store_id, platform, owned, credit_owed)
            SELECT f.store_id, f.platform, f.owned, f.owed FROM fresh f
            WHERE NOT EXISTS (SELECT 1 FROM hq_reports_storetotals h
                              WHERE h.store_id = f.store_id AND h.platform = f.platform
                                AND h.owned = f.owned AND h.credit_owed = f.owed)
            RETURNING 1)
        SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM added)
        """,
        {"stores": stores},
    )
    return cursor.fetchone()[0]


def derived_differences(*, store_ids: Iterable[int]) -> dict[str, int]:
    """How many rows of derived state of ``store_ids`` differ from a direct computation over the
    facts (all zero when they are up to date)."""
    stores = sorted({int(i) for i in store_ids})
    params = {"stores": stores, "customers": [], "orders": []}
    out = {}
    with connection.cursor() as cursor:
        for name in _DERIVED:
            cursor.execute(_derived_statement(name, update=False), params)
            out[name] = cursor.fetchone()[0]
        cursor.execute(
            f"""
            SELECT count(*) FROM ({_TOTALS_FRESH}) f
            FULL JOIN (SELECT * FROM hq_reports_storetotals WHERE store_id = ANY(%(stores)s)) h
              ON h.store_id = f.store_id AND h.platform = f.platform
            WHERE f.owned IS DISTINCT FROM h.owned OR f.owed IS DISTINCT FROM h.credit_owed
            """,
            params,
        )
        out["totals"] = cursor.fetchone()[0]
    return out


def _touch_feed(store_id: int, **values) -> None:
    feed, _created = StoreFeed.objects.get_or_create(store_id=store_id)
    for name, value in values.items():
        setattr(feed, name, value)
    # The store's facts are summed in the day rollups of its zone; a new zone moves them there
    # (the feed's trigger).
    feed.rollup_zone = store_zone().key
    window = reporting.return_visit_window_days()
    moved = feed.return_visit_window_days != window
    feed.return_visit_window_days = window
    feed.save()
    if moved:
        # The store changed its return-visit window: every return-visit flag of the store again.
        refresh_derived(store_ids=[store_id])


def drain(*, at: datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> dict:
    """Apply the current store's pending outbox events to the public facts (see the module doc).

    Each batch is one transaction: facts and drained marks commit together or not at all.
    Returns ``{"events": n, "batches": b}``, or ``{"skipped": "busy"}`` when another drain of the
    store holds the lock.
    """
    store_id = _current_store_id()
    events = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            if not _try_lock(store_id):
                return {"skipped": "busy", "events": events} if events == 0 else {"events": events, "batches": batches}
            # Taken before the read: whatever was committed by then is held once this batch commits.
            read_at = at or timezone.now()
            pending = outbox_selectors.pending_events(limit=batch_size)
            if not pending:
                if batches == 0:
                    _touch_feed(store_id, last_drained_at=read_at, pending_since=None)
                break
            changed: dict[str, set[int]] = {}
            for event in pending:
                changed.setdefault(event.topic, set()).add(event.entity_id)
            apply_changes(store_id=store_id, changed=changed)
            now = at or timezone.now()
            outbox_services.mark_drained(ids=[event.id for event in pending], at=now)
            feed, _created = StoreFeed.objects.select_for_update().get_or_create(store_id=store_id)
            _touch_feed(
                store_id,
                events_applied=feed.events_applied + len(pending),
                last_event_id=max(feed.last_event_id, pending[-1].id),
                last_drained_at=now,
                pending_since=outbox_selectors.oldest_pending_at(),
            )
        events += len(pending)
        batches += 1
        if len(pending) < batch_size:
            break
    return {"events": events, "batches": batches}


def drain_due_sql(schema: str, store) -> str:
    """The drain's probe in beat's dispatch (``shared_apps.platform.jobs``): a SQL expression over
    the store schema ``schema`` (quoted), true while events wait for the drain, or while the store's
    return-visit window is not the one its feed was drained with (or it has no feed yet)."""
    return f"""({outbox_selectors.pending_sql(schema)} OR NOT EXISTS (
        SELECT 1 FROM {StoreFeed._meta.db_table}
         WHERE store_id = {int(store.pk)} AND return_visit_window_days = {reporting.window_sql(schema)}))"""


def vouch_idle(stores: list, checked_at: datetime) -> list:
    """The drain's idle hook: the probe found nothing waiting in ``stores`` when its snapshot was
    taken, after ``checked_at``; so their facts hold every change committed before ``checked_at``,
    and their feeds say so (``last_drained_at``; nothing pending). A feed already more recent is
    left as it is. Returns the stores to drain anyway: those whose facts are summed in another zone
    than the store's (its zone changed; the drain batch moves them)."""
    zones = dict(
        StoreFeed.objects.filter(store_id__in=[store.pk for store in stores]).values_list("store_id", "rollup_zone")
    )
    moved = [store for store in stores if zones.get(store.pk) != store_zone(store).key]
    vouched = [store.pk for store in stores if store.pk in zones and store not in moved]
    if vouched:
        StoreFeed.objects.filter(store_id__in=vouched).filter(
            models.Q(last_drained_at__isnull=True) | models.Q(last_drained_at__lt=checked_at)
        ).update(last_drained_at=checked_at, pending_since=None)
    return moved


# Scratch tables of one reconciliation step (this session only, dropped after each kind).
TRUTH_TABLE = "hq_reconcile_truth"
DIFF_TABLE = "hq_reconcile_diff"


def _reconcile_kind(cursor, kind: FactKind, store_id: int, *, fix: bool) -> dict[str, int]:
    """Compare one kind's facts with the store's rows in the database, and fix what differs.

    The store's rows (``reporting.every_row_sql``) are copied into a temporary table typed as the
    fact table; a full join on the entity id with the store's facts gives the ids missing from the
    facts, extra in them, or held with other values (a row comparison, NULLs equal). Fixing deletes
    the extra and changed facts and inserts the missing and changed rows, all in SQL: nothing of
    the store's data passes through Python.
    """
    table = kind.model._meta.db_table
    key = kind.key
    columns = kind.columns
    listed = ", ".join(columns)
    truth_row = ", ".join(f"t.{column}" for column in columns)
    held_row = ", ".join(f"h.{column}" for column in columns)
    source = reporting.every_row_sql(SOURCES[kind.name])
    cursor.execute(f"DROP TABLE IF EXISTS {TRUTH_TABLE}, {DIFF_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {TRUTH_TABLE} AS SELECT {listed} FROM {table} WITH NO DATA")
    if source is not None:
        cursor.execute(f"INSERT INTO {TRUTH_TABLE} ({listed}) {source}")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {DIFF_TABLE} AS
        SELECT COALESCE(t.{key}, h.{key}) AS entity_id, h.{key} IS NULL AS missing, t.{key} IS NULL AS extra
        FROM {TRUTH_TABLE} t
        FULL JOIN (SELECT {listed} FROM {table} WHERE store_id = %s) h ON h.{key} = t.{key}
        WHERE t.{key} IS NULL OR h.{key} IS NULL OR ROW({truth_row}) IS DISTINCT FROM ROW({held_row})
        """,
        [store_id],
    )
    cursor.execute(
        f"""
        SELECT (SELECT count(*) FROM {TRUTH_TABLE}), count(*) FILTER (WHERE missing),
               count(*) FILTER (WHERE extra), count(*) FILTER (WHERE NOT missing AND NOT extra)
        FROM {DIFF_TABLE}
        """
    )
    in_store, missing, extra, changed = cursor.fetchone()
    if fix and (missing or extra or changed):
        cursor.execute(
            f"""
            DELETE FROM {table} f USING {DIFF_TABLE} d
            WHERE f.store_id = %s AND f.{key} = d.entity_id AND NOT d.missing
            """,
            [store_id],
        )
        cursor.execute(
            f"""
            INSERT INTO {table} (store_id, {listed})
            SELECT %s, {truth_row} FROM {TRUTH_TABLE} t JOIN {DIFF_TABLE} d ON d.entity_id = t.{key}
            WHERE NOT d.extra
            ORDER BY t.{key}
            """,
            [store_id],
        )
    cursor.execute(f"DROP TABLE {TRUTH_TABLE}, {DIFF_TABLE}")
    return {"store": in_store, "missing": missing, "extra": extra, "changed": changed}


def reconcile(*, at: datetime | None = None, fix: bool = True) -> dict[str, dict[str, int]]:
    """Rebuild the current store's facts from its schema; report and fix the differences.

    Returns ``{kind: {"store": n, "missing": m, "extra": e, "changed": c}}``. The comparison and
    the fix run in the database (``_reconcile_kind``), under the store's feed lock. The derived
    columns (``refresh_derived``) are then checked against the facts as a whole and repaired; how
    many rows of them differed is logged (beyond what the fixed facts explain, a defect).
    """
    store_id = _current_store_id()
    report: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        _lock(store_id)
        with connection.cursor() as cursor:
            for name, kind in KINDS.items():
                report[name] = _reconcile_kind(cursor, kind, store_id, fix=fix)
        derived = refresh_derived(store_ids=[store_id]) if fix else derived_differences(store_ids=[store_id])
        if fix:
            _touch_feed(store_id, last_reconciled_at=at or timezone.now(), last_reconcile_report=report)
    differences = {name: counts for name, counts in report.items() if any(v for k, v in counts.items() if k != "store")}
    first_build = all(c["missing"] == c["store"] and not c["extra"] for c in report.values())
    if differences and first_build:
        # HQ held nothing of the store (a new or freshly seeded store): a build, not a discrepancy.
        rows = sum(counts["store"] for counts in report.values())
        logger.info("hq reconcile store %s built its facts from the store: %d rows", store_id, rows)
    elif differences:
        logger.warning("hq reconcile store %s fixed differences: %s", store_id, differences)
    else:
        logger.info("hq reconcile store %s: facts match the store", store_id)
    if any(derived.values()):
        log = logger.warning if not differences else logger.info
        log("hq reconcile store %s: derived rows %s: %s", store_id, "fixed" if fix else "differing", derived)
    return report


# --- day rollups: the facts of every store summed per local day of its zone --------------------------
#
# ``DayRollup`` is kept by the triggers of migration 0005: every statement writing order, line,
# payment or enquiry facts (or a store's ``rollup_zone``) appends what it changed in the sums to
# ``DayRollupDelta``, computed by the database functions ``hq_reports_*_day_sums``
# (what one fact row adds). Appending never waits on another store's drain; ``fold_day_rollups``
# adds the appended changes into ``DayRollup`` (job ``hq.fold_day_rollups``), and readers sum both.

# The advisory lock of the fold (one at a time).
FOLD_LOCK = (7_000_002, 0)

_KEY = ", ".join(DAY_ROLLUP_KEY)
_SUMS = ", ".join(DAY_ROLLUP_SUMS)

# Every held sum: the folded rows and the changes not folded yet.
HELD_DAY_ROLLUPS = f"""
    SELECT {_KEY}, {_SUMS} FROM hq_reports_dayrollup
    UNION ALL
    SELECT {_KEY}, {_SUMS} FROM hq_reports_dayrollupdelta
"""

# The day rollups computed directly from the facts (``zones``: the stores summed and their zone).
_DIRECT_DAY_ROLLUPS = f"""
WITH zones AS (SELECT store_id, rollup_zone AS z FROM hq_reports_storefeed WHERE rollup_zone <> '')
SELECT {", ".join(f"s.{name}" if name != "zone" else "s.z AS zone" for name in DAY_ROLLUP_KEY)},
       {", ".join(f"sum(s.{name}) AS {name}" for name in DAY_ROLLUP_SUMS)}
FROM (
    SELECT zones.z, x.* FROM hq_reports_orderfact o JOIN zones ON zones.store_id = o.store_id
    CROSS JOIN LATERAL hq_reports_order_day_sums(zones.z, 1, o.cancelled, o.signed_at, o.completed_at, o.platform,
                                                 o.device, o.province, o.amount, o.rating, o.revisited) x
    UNION ALL
    SELECT zones.z, x.* FROM hq_reports_orderlinefact l JOIN zones ON zones.store_id = l.store_id
    CROSS JOIN LATERAL hq_reports_line_day_sums(zones.z, 1, l.cancelled, l.signed_at, l.platform, l.sku,
                                                l.product_name, l.category_name, l.amount, l.quantity,
                                                l.first_of_sku, l.first_of_category) x
    UNION ALL
    SELECT zones.z, x.* FROM hq_reports_paymentfact p JOIN zones ON zones.store_id = p.store_id
    CROSS JOIN LATERAL hq_reports_payment_day_sums(zones.z, 1, p.confirmed_at, p.platform, p.kind, p.amount) x
    UNION ALL
    SELECT zones.z, x.* FROM hq_reports_enquiryfact e JOIN zones ON zones.store_id = e.store_id
    CROSS JOIN LATERAL hq_reports_enquiry_day_sums(zones.z, 1, e.day, e.platform, e.new_enquiries) x
) s
GROUP BY {", ".join(str(i) for i in range(1, len(DAY_ROLLUP_KEY) + 1))}
"""

# Per key, what the held sums lack against the direct computation (keys where they differ).
_DAY_ROLLUP_GAPS = f"""
WITH direct AS ({_DIRECT_DAY_ROLLUPS}),
held AS (SELECT {_KEY}, {", ".join(f"sum({name}) AS {name}" for name in DAY_ROLLUP_SUMS)}
         FROM ({HELD_DAY_ROLLUPS}) h GROUP BY {_KEY})
SELECT {", ".join(f"COALESCE(d.{name}, h.{name}) AS {name}" for name in DAY_ROLLUP_KEY)},
       {", ".join(f"COALESCE(d.{name}, 0) - COALESCE(h.{name}, 0) AS {name}" for name in DAY_ROLLUP_SUMS)}
FROM direct d FULL JOIN held h ON {" AND ".join(f"h.{name} = d.{name}" for name in DAY_ROLLUP_KEY)}
WHERE ({", ".join(f"COALESCE(d.{name}, 0)" for name in DAY_ROLLUP_SUMS)})
      <> ({", ".join(f"COALESCE(h.{name}, 0)" for name in DAY_ROLLUP_SUMS)})
"""


def fold_day_rollups() -> dict[str, int]:
    """Add the appended changes (``DayRollupDelta``) into ``DayRollup`` and remove the rows left
    with nothing summed, in one transaction (a reader sees the changes in one table or the other,
    never both or neither). Changes committed meanwhile wait for the next fold. Returns
    ``{"changes": n, "rows": m}`` (folded changes, rows written), or ``{"skipped": "busy"}`` while
    another fold runs."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(FOLD_LOCK))
        if not cursor.fetchone()[0]:
            return {"skipped": "busy"}
        cursor.execute(
            f"""
            WITH moved AS (DELETE FROM hq_reports_dayrollupdelta RETURNING {_KEY}, {_SUMS}),
            summed AS (SELECT {_KEY}, {", ".join(f"sum({name}) AS {name}" for name in DAY_ROLLUP_SUMS)}, count(*) AS n
                       FROM moved GROUP BY {_KEY}),
            written AS (
                INSERT INTO hq_reports_dayrollup ({_KEY}, {_SUMS})
                SELECT {_KEY}, {_SUMS} FROM summed
                WHERE ({_SUMS}) <> ({", ".join("0" for _ in DAY_ROLLUP_SUMS)})
                ORDER BY {_KEY}
                ON CONFLICT ON CONSTRAINT dayrollup_key DO UPDATE SET
                    {", ".join(f"{name} = hq_reports_dayrollup.{name} + EXCLUDED.{name}" for name in DAY_ROLLUP_SUMS)}
                RETURNING id, ({_SUMS}) = ({", ".join("0" for _ in DAY_ROLLUP_SUMS)}) AS empty)
            SELECT (SELECT COALESCE(sum(n), 0) FROM summed), (SELECT count(*) FROM written),
                   ARRAY(SELECT id FROM written WHERE empty)
            """
        )
        changes, rows, empty = cursor.fetchone()
        if empty:
            cursor.execute("DELETE FROM hq_reports_dayrollup WHERE id = ANY(%s)", [empty])
    return {"changes": int(changes), "rows": int(rows)}


def day_rollup_differences() -> int:
    """How many day rollup rows differ from a direct computation over the facts (0 when exact)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({_DAY_ROLLUP_GAPS}) gaps")
        return cursor.fetchone()[0]


def repair_day_rollups() -> int:
    """Append what the day rollups lack against a direct computation over the facts (one statement:
    one snapshot of both), then fold. Returns how many rows differed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO hq_reports_dayrollupdelta ({_KEY}, {_SUMS}) SELECT * FROM ({_DAY_ROLLUP_GAPS}) g")
        repaired = cursor.rowcount
    if repaired:
        logger.warning("hq day rollups: %d rows differed from the facts and were repaired", repaired)
    fold_day_rollups()
    return repaired
