"""Announcements, work assignments and daily reports, with their read receipts.

These tables were created by ``kanban.0001_initial`` as ``kanban_*``. Here the app takes over the
models (state) and renames the existing tables, with their sequences, indexes and the receipt's
foreign key, to ``teamwork_*`` (database): ``ALTER ... RENAME`` changes the catalogue only, so
every row stays where it is and no data is copied. ``kanban.0006`` drops the models from the
kanban state afterwards.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLES = ("announcement", "announcementreceipt", "dailyreport", "worktask")
# Indexes named in the models' Meta: Django names them after the table, hence new names.
NAMED_INDEXES = {
    "kanban_anno_user_id_7cec4d_idx": "teamwork_an_user_id_39429c_idx",
    "kanban_dail_date_7d3b1f_idx": "teamwork_da_date_b5e4bc_idx",
    "kanban_work_assigne_5afb40_idx": "teamwork_wo_assigne_b1e908_idx",
    "kanban_work_due_dat_dd7751_idx": "teamwork_wo_due_dat_644b9d_idx",
}
# Indexes Django made for the keys and ``db_index`` columns: the same name under the new prefix.
KEY_INDEXES = (
    "kanban_announcement_pkey",
    "kanban_announcement_author_id_9d11b6f0",
    "kanban_announcement_created_at_2adb7793",
    "kanban_announcementreceipt_pkey",
    "kanban_announcementreceipt_announcement_id_761e8086",
    "kanban_announcementreceipt_user_id_3f6e58bb",
    "kanban_dailyreport_pkey",
    "kanban_dailyreport_author_id_75c561e9",
    "kanban_worktask_pkey",
    "kanban_worktask_assignee_id_e979b1d5",
    "kanban_worktask_created_by_id_35b1fcc2",
)
RECEIPT_FK = (
    "kanban_announcementr_announcement_id_761e8086_fk_kanban_an",
    "teamwork_announcementr_announcement_id_761e8086_fk_teamwork_an",
)


def _teamwork(name: str) -> str:
    return "teamwork_" + name.removeprefix("kanban_")


def _renames() -> list[tuple[str, str, str]]:
    """(kind, old name, new name) of everything renamed, tables first."""
    renames = [("TABLE", f"kanban_{table}", f"teamwork_{table}") for table in TABLES]
    renames += [("SEQUENCE", f"kanban_{table}_id_seq", f"teamwork_{table}_id_seq") for table in TABLES]
    renames += [("INDEX", old, new) for old, new in NAMED_INDEXES.items()]
    renames += [("INDEX", old, _teamwork(old)) for old in KEY_INDEXES]
    return renames


def _sql(pairs: list[tuple[str, str, str]], fk: tuple[str, str], receipts: str) -> str:
    statements = [f"ALTER {kind} {old} RENAME TO {new};" for kind, old, new in pairs]
    statements.append(f"ALTER TABLE {receipts} RENAME CONSTRAINT {fk[0]} TO {fk[1]};")
    return "\n".join(statements)


FORWARD = _sql(_renames(), RECEIPT_FK, "teamwork_announcementreceipt")
BACKWARD = _sql(
    [(kind, new, old) for kind, old, new in reversed(_renames())],
    tuple(reversed(RECEIPT_FK)),
    "kanban_announcementreceipt",
)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("kanban", "0005_rollups_in_the_store_zone"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.CreateModel(
                    name='Announcement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('body', models.TextField(blank=True, verbose_name='body')),
                        ('audience', models.CharField(choices=[('everyone', 'Everyone'), ('roles', 'Roles'), ('people', 'People')], max_length=10, verbose_name='recipients')),
                        ('roles', models.JSONField(blank=True, default=list, verbose_name='roles')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('author', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='author')),
                    ],
                    options={
                        'verbose_name': 'announcement',
                        'verbose_name_plural': 'announcements',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AnnouncementReceipt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                        ('announcement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='receipts', to='teamwork.announcement')),
                        ('user', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                    ],
                    options={
                        'indexes': [models.Index(fields=['user', 'announcement'], name='teamwork_an_user_id_39429c_idx')],
                        'constraints': [models.UniqueConstraint(fields=('announcement', 'user'), name='one_receipt_per_announcement_and_user')],
                    },
                ),
                migrations.CreateModel(
                    name='DailyReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('done_today', models.TextField(blank=True, verbose_name='done today')),
                        ('plan_tomorrow', models.TextField(blank=True, verbose_name='plan for tomorrow')),
                        ('problems', models.TextField(blank=True, verbose_name='problems')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('author', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='author')),
                    ],
                    options={
                        'verbose_name': 'daily report',
                        'verbose_name_plural': 'daily reports',
                        'ordering': ['-date', '-pk'],
                        'indexes': [models.Index(fields=['date'], name='teamwork_da_date_b5e4bc_idx')],
                        'constraints': [models.UniqueConstraint(fields=('author', 'date'), name='one_daily_report_per_author_and_day')],
                    },
                ),
                migrations.CreateModel(
                    name='WorkTask',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('due_date', models.DateField(blank=True, null=True, verbose_name='due date')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('in_progress', 'In progress'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='open', max_length=20, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed at')),
                        ('assignee', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='assignee')),
                        ('created_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='assigned by')),
                    ],
                    options={
                        'verbose_name': 'work assignment',
                        'verbose_name_plural': 'work assignments',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['assignee', 'status'], name='teamwork_wo_assigne_b1e908_idx'), models.Index(fields=['due_date'], name='teamwork_wo_due_dat_644b9d_idx')],
                    },
                ),
            ],
        ),
    ]
