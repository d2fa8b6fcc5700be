"""Releases to the pool and claims as the app publishes them for reporting: the views other apps' SQL reads instead of
its tables (see ``reporting.py``)."""

from django.db import migrations

VIEWS = (
    ("pool_reporting_release", "SELECT id, customer_id, former_owner_id, cause, at FROM pool_release"),
    ("pool_reporting_claim", "SELECT id, customer_id, applicant_id, status, decided_at FROM pool_claim"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("pool", "0002_release_once_per_deadline"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS
    ]
