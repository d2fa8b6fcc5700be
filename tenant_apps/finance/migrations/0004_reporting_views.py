"""Payment records as the app publishes them for reporting: the views other apps' SQL reads instead of
its tables (see ``reporting.py``)."""

from django.db import migrations

VIEWS = (
    ("finance_reporting_payment", "SELECT id, order_id, kind, status, amount, confirmed_at FROM finance_payment"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("finance", "0003_kanban_order_collections"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS
    ]
