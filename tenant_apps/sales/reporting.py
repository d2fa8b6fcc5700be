"""Orders and order lines for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``sales_reporting_order``: the orders: id, customer_id, channel_id, owner_id, signed_at, status,
  amount, collected, fully_collected_at, due_date, payment_mode, completed_at, rating, device.
- ``sales_reporting_orderline``: their lines: id, order_id, sku, product_name, category_name, quantity, amount.
"""

from __future__ import annotations

VIEWS = (
    "sales_reporting_order",
    "sales_reporting_orderline",
)
