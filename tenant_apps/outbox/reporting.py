"""The current state of the store entities HQ reports on, as frozen facts (store schema).

Each function reads the store's own tables with one SQL statement and returns frozen dataclasses
(no models leave the store). The same functions serve the HQ drain (for the entities named by
outbox events) and the reconciliation (``None`` = every entity of the store). An entity that no
longer exists (or no longer counts, such as a payment record that is not confirmed) is simply
absent from the answer: the reader of the facts deletes what it asked for and did not get back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import DatabaseError, connection, transaction


@dataclass(frozen=True)
class OrderRow:
    order_id: int
    customer_id: int
    owner_id: int
    channel_id: int | None
    platform: str
    device: str
    status: str
    cancelled: bool
    amount: Decimal
    collected: Decimal
    payment_mode: str
    due_date: date | None
    fully_collected_at: datetime | None
    signed_at: datetime
    completed_at: datetime | None
    rating: int | None
    province: str  # the customer's, for sales by province
    cost: Decimal  # the lines' cost (gross profit)
    lines_without_cost: int


@dataclass(frozen=True)
class OrderLineRow:
    line_id: int
    order_id: int
    sku: str
    product_name: str
    category_name: str
    quantity: int
    amount: Decimal
    signed_at: datetime
    cancelled: bool
    channel_id: int | None
    platform: str
    owner_id: int


@dataclass(frozen=True)
class CustomerRow:
    customer_id: int
    created_at: datetime
    channel_id: int | None
    platform: str
    owner_id: int | None
    owner_since: datetime | None
    province: str
    merged: bool
    # The customer's first and second non-cancelled orders (whole history): repurchase and
    # new/returning customers are exact from these.
    first_order_at: datetime | None
    second_order_at: datetime | None


@dataclass(frozen=True)
class PaymentRow:
    payment_id: int
    order_id: int
    kind: str
    amount: Decimal
    confirmed_at: datetime
    customer_id: int
    channel_id: int | None
    platform: str
    owner_id: int


@dataclass(frozen=True)
class ReleaseRow:
    release_id: int
    customer_id: int
    former_owner_id: int
    cause: str
    at: datetime


@dataclass(frozen=True)
class ClaimRow:
    claim_id: int
    customer_id: int
    applicant_id: int
    decided_at: datetime


@dataclass(frozen=True)
class FollowUpRow:
    follow_up_id: int
    customer_id: int
    author_id: int
    created_at: datetime


@dataclass(frozen=True)
class EnquiryRow:
    enquiry_id: int
    day: date
    channel_id: int | None
    platform: str
    enquiries: int
    new_enquiries: int


def _select(sql: str, params: list, conditions: list[tuple[str, Iterable[int] | None]], row_type, where: str = ""):
    """Run ``sql`` with ``conditions`` (column, ids) ANDed (``None`` ids: no condition; OR-ed when
    several are given, so that "these orders or the orders of these customers" is one read)."""
    given = [(column, sorted({int(i) for i in ids})) for column, ids in conditions if ids is not None]
    clauses = [where] if where else []
    if given:
        if all(not ids for _column, ids in given):
            return []
        clauses.append("(" + " OR ".join(f"{column} = ANY(%s)" for column, _ids in given) + ")")
        params = [*params, *(ids for _column, ids in given)]
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row_type(*row) for row in cursor.fetchall()]


_ORDER_SQL = """
SELECT o.id, o.customer_id, o.owner_id, o.channel_id, COALESCE(ch.platform, ''), o.device, o.status,
       o.status = 'cancelled', o.amount, o.collected, o.payment_mode, o.due_date, o.fully_collected_at, o.signed_at,
       o.completed_at, o.rating, COALESCE(cu.province, ''), o.cost, o.lines_without_cost
FROM sales_reporting_order o LEFT JOIN workspace_reporting_channel ch ON ch.id = o.channel_id
LEFT JOIN customers_reporting_customer cu ON cu.id = o.customer_id
"""


def orders(*, ids: Iterable[int] | None = None, customer_ids: Iterable[int] | None = None) -> list[OrderRow]:
    """Orders by id and/or by customer; both ``None``: every order."""
    return _select(_ORDER_SQL, [], [("o.id", ids), ("o.customer_id", customer_ids)], OrderRow)


_LINE_SQL = """
SELECT l.id, l.order_id, l.sku, l.product_name, l.category_name, l.quantity, l.amount, o.signed_at,
       o.status = 'cancelled', o.channel_id, COALESCE(ch.platform, ''), o.owner_id
FROM sales_reporting_orderline l JOIN sales_reporting_order o ON o.id = l.order_id
LEFT JOIN workspace_reporting_channel ch ON ch.id = o.channel_id
"""


def order_lines(*, order_ids: Iterable[int] | None = None) -> list[OrderLineRow]:
    return _select(_LINE_SQL, [], [("l.order_id", order_ids)], OrderLineRow)


_CUSTOMER_SQL = """
SELECT c.id, c.created_at, c.channel_id, COALESCE(ch.platform, ''), c.owner_id, c.owner_since, c.province,
       c.merged_into_id IS NOT NULL,
       (SELECT o.signed_at FROM sales_reporting_order o WHERE o.customer_id = c.id AND o.status <> 'cancelled'
        ORDER BY o.signed_at, o.id LIMIT 1),
       (SELECT o.signed_at FROM sales_reporting_order o WHERE o.customer_id = c.id AND o.status <> 'cancelled'
        ORDER BY o.signed_at, o.id OFFSET 1 LIMIT 1)
FROM customers_reporting_customer c LEFT JOIN workspace_reporting_channel ch ON ch.id = c.channel_id
"""


def customers(*, ids: Iterable[int] | None = None) -> list[CustomerRow]:
    return _select(_CUSTOMER_SQL, [], [("c.id", ids)], CustomerRow)


_PAYMENT_SQL = """
SELECT p.id, p.order_id, p.kind, p.amount, p.confirmed_at, o.customer_id, o.channel_id,
       COALESCE(ch.platform, ''), o.owner_id
FROM finance_reporting_payment p JOIN sales_reporting_order o ON o.id = p.order_id
LEFT JOIN workspace_reporting_channel ch ON ch.id = o.channel_id
"""


def payments(*, ids: Iterable[int] | None = None, order_ids: Iterable[int] | None = None) -> list[PaymentRow]:
    """Confirmed payment records (a pending or rejected record is no fact)."""
    return _select(
        _PAYMENT_SQL,
        [],
        [("p.id", ids), ("p.order_id", order_ids)],
        PaymentRow,
        where="p.status = 'confirmed' AND p.confirmed_at IS NOT NULL",
    )


_RELEASE_SQL = "SELECT r.id, r.customer_id, r.former_owner_id, r.cause, r.at FROM pool_reporting_release r"


def releases(*, ids: Iterable[int] | None = None, customer_ids: Iterable[int] | None = None) -> list[ReleaseRow]:
    return _select(_RELEASE_SQL, [], [("r.id", ids), ("r.customer_id", customer_ids)], ReleaseRow)


_CLAIM_SQL = "SELECT cl.id, cl.customer_id, cl.applicant_id, cl.decided_at FROM pool_reporting_claim cl"


def approved_claims(*, ids: Iterable[int] | None = None, customer_ids: Iterable[int] | None = None) -> list[ClaimRow]:
    """Approved claims (the moments a pool customer got an owner)."""
    return _select(
        _CLAIM_SQL,
        [],
        [("cl.id", ids), ("cl.customer_id", customer_ids)],
        ClaimRow,
        where="cl.status = 'approved' AND cl.decided_at IS NOT NULL",
    )


_FOLLOW_UP_SQL = "SELECT f.id, f.customer_id, f.author_id, f.created_at FROM customers_reporting_followup f"


def follow_ups(*, ids: Iterable[int] | None = None, customer_ids: Iterable[int] | None = None) -> list[FollowUpRow]:
    return _select(_FOLLOW_UP_SQL, [], [("f.id", ids), ("f.customer_id", customer_ids)], FollowUpRow)


_ENQUIRY_TABLE = "enquiries_reporting_dailyenquiry"
_ENQUIRY_SQL = f"""
SELECT e.id, e.date, e.channel_id, COALESCE(ch.platform, ''), e.enquiries, e.new_enquiries
FROM {_ENQUIRY_TABLE} e LEFT JOIN workspace_reporting_channel ch ON ch.id = e.channel_id
"""


def enquiries(*, ids: Iterable[int] | None = None) -> list[EnquiryRow]:
    """Daily enquiry figures per channel; none while the store has no enquiry table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_ENQUIRY_TABLE])
        if not cursor.fetchone()[0]:
            return []
    try:
        with transaction.atomic():
            return _select(_ENQUIRY_SQL, [], [("e.id", ids)], EnquiryRow)
    except DatabaseError:
        return []


# Every row of each kind, as the functions above read it with no ids: (SQL, condition).
_EVERY_ROW = {
    "orders": (_ORDER_SQL, ""),
    "order_lines": (_LINE_SQL, ""),
    "customers": (_CUSTOMER_SQL, ""),
    "payments": (_PAYMENT_SQL, "p.status = 'confirmed' AND p.confirmed_at IS NOT NULL"),
    "releases": (_RELEASE_SQL, ""),
    "follow_ups": (_FOLLOW_UP_SQL, ""),
    "approved_claims": (_CLAIM_SQL, "cl.status = 'approved' AND cl.decided_at IS NOT NULL"),
    "enquiries": (_ENQUIRY_SQL, ""),
}


def every_row_sql(name: str) -> str | None:
    """The SELECT of every row of ``name`` (``orders``, ``order_lines``, ``customers``, ``payments``,
    ``releases``, ``follow_ups``, ``approved_claims``, ``enquiries``), without parameters, with the
    columns of its dataclass in order: the same rows as ``orders()``... with no ids, for a reader
    that compares them with other tables in the database rather than in Python (the HQ
    reconciliation). None when the store has no such table (no enquiry table: no enquiry rows)."""
    sql, where = _EVERY_ROW[name]
    if name == "enquiries":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_ENQUIRY_TABLE])
            if not cursor.fetchone()[0]:
                return None
    return f"{sql} WHERE {where}" if where else sql


def return_visit_window_days() -> int:
    """The store's return-visit window (days after completion), 7 when the store never set it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {window_sql('')}")
        return int(cursor.fetchone()[0])


def window_sql(schema: str) -> str:
    """The store's return-visit window as a SQL expression over the store schema ``schema`` (quoted;
    "": the current one)."""
    where = f"{schema}." if schema else ""
    return f"coalesce((SELECT return_visit_window_days FROM {where}workspace_reporting_storesettings LIMIT 1), 7)"
