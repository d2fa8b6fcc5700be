"""Rollups bucket by the store's own time zone.

The triggers of 0002 and 0004 marked changed days in Asia/Shanghai. They now mark the UTC day of
each change (a zone the database always knows); ``tenant_apps.kanban.rollups`` maps a UTC day to the
local days it overlaps in the store's zone. ``RollupState`` records the zone the rows were built in:
Asia/Shanghai for the rows built so far, so a store in another zone is rebuilt on its next read. A
changed Shanghai day D covers the UTC days D-1 and D: the pending marks are kept as both.
"""

import importlib
import re

from django.db import migrations, models

FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION .*?END \$\$;", re.S)


def _functions(module: str) -> list[str]:
    return FUNCTION.findall(importlib.import_module(f"tenant_apps.kanban.migrations.{module}").TRIGGERS)


SHANGHAI_FUNCTIONS = "\n".join(_functions("0002_sales_rollups") + _functions("0004_payment_rollup_days"))
UTC_FUNCTIONS = SHANGHAI_FUNCTIONS.replace("AT TIME ZONE 'Asia/Shanghai'", "AT TIME ZONE 'UTC'")
KEEP_MARKS = """
INSERT INTO kanban_rollupstate (singleton, zone) VALUES (true, 'Asia/Shanghai');
INSERT INTO kanban_rollupdirtyday (day) SELECT day - 1 FROM kanban_rollupdirtyday;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("kanban", "0004_payment_rollup_days"),
    ]

    operations = [
        migrations.CreateModel(
            name="RollupState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("singleton", models.BooleanField(default=True, unique=True)),
                ("zone", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunSQL(UTC_FUNCTIONS + KEEP_MARKS, SHANGHAI_FUNCTIONS),
    ]
