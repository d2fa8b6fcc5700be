"""Releases and claims for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``pool_reporting_release``: the releases to the pool: id, customer_id, former_owner_id, cause, at.
- ``pool_reporting_claim``: the claims: id, customer_id, applicant_id, status, decided_at.
"""

from __future__ import annotations

VIEWS = (
    "pool_reporting_release",
    "pool_reporting_claim",
)
