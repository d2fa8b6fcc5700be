"""Customers and follow-ups for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``customers_reporting_customer``: the customers: id, created_at, channel_id, owner_id, owner_since,
  province, merged_into_id.
- ``customers_reporting_followup``: the follow-ups: id, customer_id, author_id, created_at.
"""

from __future__ import annotations

VIEWS = (
    "customers_reporting_customer",
    "customers_reporting_followup",
)
