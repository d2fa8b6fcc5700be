"""The sales, finance and customers apps mark their own changes: each fills a change journal by
triggers declared with its models, and publishes it as views (``sales_reporting_changedday``...)
from which the Kanban takes the marks. The Kanban's own triggers on those apps' tables go here,
with their functions and its two tables of marks.

The marks still pending in ``kanban_rollupdirtyday`` / ``kanban_rollupdirtycustomer`` are carried
into the sales journals (through the views; every pending mark is a UTC day or a customer the
rollups must look at again, whichever change made it), so an upgrade loses none. The order of the
steps keeps a store that is written to while it migrates exact: dropping a trigger locks its table,
so the writers that fired the old triggers have committed (and their marks are visible to the next
statement, the carry-over) and the next ones wait for this migration, firing only the new triggers.
"""

import importlib
import re

from django.db import migrations

CREATE_TRIGGER = re.compile(r"CREATE TRIGGER (\w+) .*?\bON (\w+)\b.*?;", re.S)
FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (\w+)\(\).*?END \$\$;", re.S)


def _module(name: str):
    return importlib.import_module(f"tenant_apps.kanban.migrations.{name}")


# The triggers and functions as 0009 left them: the functions of 0005 (UTC days) and 0006 (order
# and follow-up customers), the triggers of 0002, 0003, 0004 and 0006.
_SOURCES = [
    _module("0002_sales_rollups").TRIGGERS,
    _module("0003_customer_first_orders").TRIGGERS,
    _module("0004_payment_rollup_days").TRIGGERS,
    _module("0006_order_facts").FORWARD,
]
OLD_TRIGGERS = [match for source in _SOURCES for match in CREATE_TRIGGER.finditer(source)]
OLD_FUNCTIONS = [
    *FUNCTION.finditer(_module("0005_rollups_in_the_store_zone").UTC_FUNCTIONS),
    *(m for m in FUNCTION.finditer(_module("0006_order_facts").FORWARD)),
]

DROP_OLD = [f"DROP TRIGGER IF EXISTS {m[1]} ON {m[2]}" for m in OLD_TRIGGERS] + [
    f"DROP FUNCTION IF EXISTS {m[1]}()" for m in OLD_FUNCTIONS
]
RESTORE_OLD = [m[0] for m in OLD_FUNCTIONS] + [m[0] for m in OLD_TRIGGERS]

CARRY_OVER = [
    "INSERT INTO sales_reporting_changedday (day) SELECT DISTINCT day FROM kanban_rollupdirtyday"
    " ON CONFLICT DO NOTHING",
    "INSERT INTO sales_reporting_changedcustomer (customer_id)"
    " SELECT DISTINCT customer_id FROM kanban_rollupdirtycustomer ON CONFLICT DO NOTHING",
]
CARRY_BACK = [
    """INSERT INTO kanban_rollupdirtyday (day)
    SELECT day FROM sales_reporting_changedday UNION SELECT day FROM finance_reporting_changedday
    UNION SELECT day FROM customers_reporting_changedday""",
    """INSERT INTO kanban_rollupdirtycustomer (customer_id)
    SELECT customer_id FROM sales_reporting_changedcustomer
    UNION SELECT customer_id FROM customers_reporting_changedcustomer""",
]


class Migration(migrations.Migration):
    dependencies = [
        ("kanban", "0009_history_one_row_per_key"),
        ("sales", "0008_change_journal"),
        ("finance", "0005_change_journal"),
        ("customers", "0006_change_journal"),
    ]

    operations = [
        migrations.RunSQL(DROP_OLD, RESTORE_OLD),
        migrations.RunSQL(CARRY_OVER, CARRY_BACK),
        migrations.DeleteModel(name="RollupDirtyCustomer"),
        migrations.DeleteModel(name="RollupDirtyDay"),
    ]
