"""After-sales cases as the app publishes them for reporting: the view other apps' SQL reads instead of its
table (see ``reporting.py``)."""

from django.db import migrations

VIEWS = (
    ("aftersales_reporting_case", "SELECT id, order_id, type, status, created_at FROM aftersales_case"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("aftersales", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS
    ]
