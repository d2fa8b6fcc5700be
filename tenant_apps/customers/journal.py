"""The customers change journal's triggers, declared in ``Customer.Meta`` and ``FollowUp.Meta``
(see ``shared_apps.platform.journals`` and the ``ChangedDay`` / ``ChangedCustomer`` models).

- ``customers_changedday``: the UTC signing days of the orders of every customer whose province
  changed (sales figures break down by the customer's province; the orders are read through
  ``sales_reporting_order``).
- ``customers_changedcustomer``: the customer of every follow-up inserted or deleted, and both
  customers of a follow-up whose customer or recording time changed (return visits count the first
  follow-up after an order's completion).
"""

from __future__ import annotations

import pgtrigger

from shared_apps.platform.journals import any_changed, both_sides, journal_trigger, utc_day

FOLLOWUP_CHANGED = any_changed("customer_id", "created_at")

CUSTOMERS = "INSERT INTO customers_changedcustomer (customer_id)"

CUSTOMER_TRIGGERS = [
    journal_trigger(
        "journal_customer_update",
        pgtrigger.Update,
        f"""INSERT INTO customers_changedday (day)
    SELECT DISTINCT {utc_day("s.signed_at")} FROM sales_reporting_order s
    WHERE s.customer_id IN (
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {any_changed("province")})""",
    ),
]

FOLLOWUP_TRIGGERS = [
    journal_trigger(
        "journal_followup_insert", pgtrigger.Insert, f"{CUSTOMERS} SELECT DISTINCT r.customer_id FROM new_rows r"
    ),
    journal_trigger(
        "journal_followup_update",
        pgtrigger.Update,
        f"{CUSTOMERS} {both_sides('n.customer_id', 'o.customer_id', FOLLOWUP_CHANGED)}",
    ),
    journal_trigger(
        "journal_followup_delete", pgtrigger.Delete, f"{CUSTOMERS} SELECT DISTINCT r.customer_id FROM old_rows r"
    ),
]
