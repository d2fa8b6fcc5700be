"""Orders and order lines for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``sales_reporting_order``: the orders: id, customer_id, channel_id, owner_id, signed_at, status,
  amount, collected, fully_collected_at, due_date, payment_mode, completed_at, rating, device, cost,
  lines_without_cost.
- ``sales_reporting_orderline``: their lines: id, order_id, sku, product_name, category_name, quantity, amount,
  unit_cost.

Change journals (see ``shared_apps.platform.journals``): the changes since they were last taken. A
consumer takes them by ``DELETE FROM <view> ... RETURNING <key>`` through the view (a one-table view
is updatable), in the transaction that brings what it derived from them up to date.
- ``sales_reporting_changedday`` (day): UTC days whose orders, order lines or payments' attribution
  changed (``journal.py`` says which changes).
- ``sales_reporting_changedcustomer`` (customer_id): customers whose orders changed.
"""

from __future__ import annotations

VIEWS = (
    "sales_reporting_order",
    "sales_reporting_orderline",
    "sales_reporting_changedday",
    "sales_reporting_changedcustomer",
)
