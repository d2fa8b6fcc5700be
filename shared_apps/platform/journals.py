"""Change journals: what changed in an app's rows, recorded by that app's own triggers for the
consumers that keep something derived from them (the Data Kanban's rollups).

A journal is a small table of the app that owns the watched rows (``sales_changedday``,
``customers_changedcustomer``...): one row per changed key (a UTC day, a customer) and writing
transaction. Statement-level AFTER triggers declared with the watched models (django-pgtrigger,
installed by the app's migrations in every store schema) receive the statement's rows as the
transition tables ``new_rows`` / ``old_rows`` and insert the keys they touch, ``ON CONFLICT DO
NOTHING``. Whoever writes (services, imports, merges, bulk updates, raw SQL), the change is marked
in the same transaction.

The app publishes each journal as a reporting view of its keys (``sales_reporting_changedday``...,
listed in its ``reporting.py``). It holds the changes since they were last taken: a consumer takes
them by ``DELETE FROM <view> ... RETURNING <key>`` (a one-table view is updatable in PostgreSQL),
in the transaction in which it brings its derived rows up to date, so a failure puts them back.

Why a row per key *and transaction* (``txid``: the writer's ``pg_current_xact_id()``, the column's
default) rather than one row per key: a writer that found its key already marked and relied on
that row could see a consumer take the row, and rebuild without the writer's change (not committed
yet), before the writer commits; the change would then never be looked at again. With its own row,
the writer's mark stays invisible to consumers until the writer commits, and is taken with the
change. Writers never wait for one another (each inserts a different key of the unique index), and a
transaction that writes the same day in many statements leaves one row.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models.functions import Cast

# The writing transaction (``xid8`` as a bigint): the default of a journal's ``txid``.
CURRENT_TRANSACTION = Cast(
    Cast(models.Func(function="pg_current_xact_id", output_field=models.TextField()), models.TextField()),
    models.BigIntegerField(),
)

ROWS = {
    "INSERT": pgtrigger.Referencing(new="new_rows"),
    "UPDATE": pgtrigger.Referencing(old="old_rows", new="new_rows"),
    "DELETE": pgtrigger.Referencing(old="old_rows"),
}


def utc_day(column: str) -> str:
    """The UTC day of a timestamp column: a zone the database always knows; a consumer maps it to
    the local days it overlaps in the store's zone."""
    return f"(({column} AT TIME ZONE 'UTC')::date)"


def any_changed(*columns: str) -> str:
    """A condition on ``n`` (the new row) and ``o`` (the old row): one of ``columns`` changed."""
    return " OR ".join(f"n.{column} IS DISTINCT FROM o.{column}" for column in columns)


def both_sides(new_key: str, old_key: str, condition: str) -> str:
    """The keys, before and after, of the updated rows that meet ``condition`` (on ``n`` and ``o``)."""
    return (
        f"SELECT DISTINCT k FROM new_rows n JOIN old_rows o ON o.id = n.id"
        f" CROSS JOIN LATERAL (VALUES ({new_key}), ({old_key})) keys (k) WHERE {condition}"
    )


def journal_trigger(name: str, operation: pgtrigger.Operation, *inserts: str) -> pgtrigger.Trigger:
    """A statement-level AFTER trigger running ``inserts`` (``INSERT INTO <journal> (<key>) SELECT
    ...`` over ``new_rows`` / ``old_rows``), each ``ON CONFLICT DO NOTHING``. One operation per
    trigger: PostgreSQL gives transition tables only to single-event triggers."""
    body = "\n".join(f"{insert.strip()}\n    ON CONFLICT DO NOTHING;" for insert in inserts)
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=ROWS[str(operation)],
        func=f"{body}\nRETURN NULL;",
    )
