"""Payment records for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``finance_reporting_payment``: the payment records: id, order_id, kind, status, amount, confirmed_at.

Change journals (see ``shared_apps.platform.journals``): the changes since they were last taken. A
consumer takes them by ``DELETE FROM <view> ... RETURNING <key>`` through the view (a one-table view
is updatable), in the transaction that brings what it derived from them up to date.
- ``finance_reporting_changedday`` (day): UTC days whose confirmed payment records changed
  (``journal.py`` says which changes).
"""

from __future__ import annotations

VIEWS = (
    "finance_reporting_payment",
    "finance_reporting_changedday",
)
