"""Daily enquiry figures and contact records as the app publishes them for reporting: the views other apps' SQL reads instead of
its tables (see ``reporting.py``)."""

from django.db import migrations

VIEWS = (
    ("enquiries_reporting_dailyenquiry", "SELECT id, date, channel_id, enquiries, new_enquiries FROM enquiries_dailyenquiry"),
    ("enquiries_reporting_contactrecord", "SELECT id, date, user_id, wechat_added, phone_contacts FROM enquiries_contactrecord"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("enquiries", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS
    ]
