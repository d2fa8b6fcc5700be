"""Customers and follow-ups as the app publishes them for reporting: the views other apps' SQL reads instead of
its tables (see ``reporting.py``)."""

from django.db import migrations

VIEWS = (
    ("customers_reporting_customer", "SELECT id, created_at, channel_id, owner_id, owner_since, province, merged_into_id FROM customers_customer"),
    ("customers_reporting_followup", "SELECT id, customer_id, author_id, created_at FROM customers_followup"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0004_kanban_owned_since"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS
    ]
