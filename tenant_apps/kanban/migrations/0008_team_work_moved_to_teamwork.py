"""Announcements, work assignments and daily reports belong to the ``teamwork`` app: its
``0001_initial`` took over their tables (renamed, rows kept). Only the kanban state forgets them
here; nothing is dropped."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("kanban", "0007_history_rollups"),
        ("teamwork", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AnnouncementReceipt"),
                migrations.DeleteModel(name="Announcement"),
                migrations.DeleteModel(name="DailyReport"),
                migrations.DeleteModel(name="WorkTask"),
            ],
            database_operations=[],
        ),
    ]
