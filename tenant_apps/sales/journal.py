"""The sales change journal's triggers, declared in ``Order.Meta`` and ``OrderLine.Meta`` (see
``shared_apps.platform.journals`` and the ``ChangedDay`` / ``ChangedCustomer`` models).

- ``sales_changedday``: the UTC signing day of every order inserted or deleted, and, on both sides
  of the change, of every order whose signing time, amount, channel, owner, device, customer or
  cancellation changed; the signing day of the orders whose lines were inserted, changed or deleted;
  the UTC confirmation day of the confirmed payments of an order moved to another channel or owner
  (net revenue counts by the order's channel and owner; read through ``finance_reporting_payment``).
- ``sales_changedcustomer``: the customer of every order inserted or deleted, and both customers of
  an order whose signing time, customer, channel, owner, amount, cost, completion, rating or cancellation
  changed.
"""

from __future__ import annotations

import pgtrigger

from shared_apps.platform.journals import any_changed, both_sides, journal_trigger, utc_day

CANCELLED_CHANGED = "(n.status = 'cancelled') IS DISTINCT FROM (o.status = 'cancelled')"
DAY_CHANGED = (
    any_changed("signed_at", "amount", "channel_id", "owner_id", "device", "customer_id") + f" OR {CANCELLED_CHANGED}"
)
CUSTOMER_CHANGED = (
    any_changed(
        "signed_at",
        "customer_id",
        "channel_id",
        "owner_id",
        "amount",
        "cost",
        "lines_without_cost",
        "completed_at",
        "rating",
    )
    + f" OR {CANCELLED_CHANGED}"
)
MOVED = any_changed("channel_id", "owner_id")

DAYS = "INSERT INTO sales_changedday (day)"
CUSTOMERS = "INSERT INTO sales_changedcustomer (customer_id)"


def _order_days(rows: str) -> str:
    return f"{DAYS} SELECT DISTINCT {utc_day('r.signed_at')} FROM {rows} r"


def _line_days(order_ids: str) -> str:
    return f"{DAYS} SELECT DISTINCT {utc_day('s.signed_at')} FROM sales_order s WHERE s.id IN ({order_ids})"


ORDER_TRIGGERS = [
    journal_trigger(
        "journal_order_insert",
        pgtrigger.Insert,
        _order_days("new_rows"),
        f"{CUSTOMERS} SELECT DISTINCT r.customer_id FROM new_rows r",
    ),
    journal_trigger(
        "journal_order_update",
        pgtrigger.Update,
        f"{DAYS} {both_sides(utc_day('n.signed_at'), utc_day('o.signed_at'), DAY_CHANGED)}",
        f"""{DAYS} SELECT DISTINCT {utc_day("p.confirmed_at")} FROM finance_reporting_payment p
    WHERE p.confirmed_at IS NOT NULL
      AND p.order_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {MOVED})""",
        f"{CUSTOMERS} {both_sides('n.customer_id', 'o.customer_id', CUSTOMER_CHANGED)}",
    ),
    journal_trigger(
        "journal_order_delete",
        pgtrigger.Delete,
        _order_days("old_rows"),
        f"{CUSTOMERS} SELECT DISTINCT r.customer_id FROM old_rows r",
    ),
]

LINE_TRIGGERS = [
    journal_trigger("journal_line_insert", pgtrigger.Insert, _line_days("SELECT order_id FROM new_rows")),
    journal_trigger(
        "journal_line_update",
        pgtrigger.Update,
        _line_days("SELECT order_id FROM new_rows UNION SELECT order_id FROM old_rows"),
    ),
    journal_trigger("journal_line_delete", pgtrigger.Delete, _line_days("SELECT order_id FROM old_rows")),
]
