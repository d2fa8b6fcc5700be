"""Company policies and HQ announcements belong to the ``hq_console`` app: its ``0001_initial``
took over their tables (renamed, rows kept). Only the platform state forgets them here; nothing
is dropped."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("platform", "0002_company_policy_hq_announcement"),
        ("hq_console", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CompanyPolicy"),
                migrations.DeleteModel(name="HqAnnouncement"),
            ],
            database_operations=[],
        ),
    ]
