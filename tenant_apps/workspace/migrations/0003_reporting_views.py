"""Channels and the store's settings as the app publishes them for reporting: the views other apps' SQL reads instead of
its tables (see ``reporting.py``)."""

from django.db import migrations

VIEWS = (
    ("workspace_reporting_channel", "SELECT id, platform FROM workspace_channel"),
    ("workspace_reporting_storesettings", "SELECT return_visit_window_days FROM workspace_storesettings"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("workspace", "0002_settings_overrides"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS
    ]
