"""Customers and follow-ups for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``customers_reporting_customer``: the customers: id, created_at, channel_id, owner_id, owner_since,
  province, merged_into_id.
- ``customers_reporting_followup``: the follow-ups: id, customer_id, author_id, created_at.

Change journals (see ``shared_apps.platform.journals``): the changes since they were last taken. A
consumer takes them by ``DELETE FROM <view> ... RETURNING <key>`` through the view (a one-table view
is updatable), in the transaction that brings what it derived from them up to date.
- ``customers_reporting_changedday`` (day): UTC days holding orders of customers whose province changed.
- ``customers_reporting_changedcustomer`` (customer_id): customers whose follow-ups changed.
"""

from __future__ import annotations

VIEWS = (
    "customers_reporting_customer",
    "customers_reporting_followup",
    "customers_reporting_changedday",
    "customers_reporting_changedcustomer",
)
