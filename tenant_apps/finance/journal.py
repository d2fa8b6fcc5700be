"""The finance change journal's triggers, declared in ``Payment.Meta`` (see
``shared_apps.platform.journals`` and the ``ChangedDay`` model).

- ``finance_changedday``: the UTC confirmation day of every payment record inserted or deleted with
  a confirmation time, and, on both sides of the change, of every record whose order, kind, amount,
  status or confirmation time changed.
"""

from __future__ import annotations

import pgtrigger

from shared_apps.platform.journals import any_changed, both_sides, journal_trigger, utc_day

CHANGED = any_changed("order_id", "kind", "amount", "status", "confirmed_at")

DAYS = "INSERT INTO finance_changedday (day)"


def _confirmed_days(rows: str) -> str:
    return f"{DAYS} SELECT DISTINCT {utc_day('r.confirmed_at')} FROM {rows} r WHERE r.confirmed_at IS NOT NULL"


PAYMENT_TRIGGERS = [
    journal_trigger("journal_payment_insert", pgtrigger.Insert, _confirmed_days("new_rows")),
    journal_trigger(
        "journal_payment_update",
        pgtrigger.Update,
        f"{DAYS} SELECT k FROM ({both_sides(utc_day('n.confirmed_at'), utc_day('o.confirmed_at'), CHANGED)}) days"
        " WHERE k IS NOT NULL",
    ),
    journal_trigger("journal_payment_delete", pgtrigger.Delete, _confirmed_days("old_rows")),
]
