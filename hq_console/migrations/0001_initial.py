"""Company-wide default policies and HQ announcements to stores.

These tables were created by ``platform.0002`` as ``platform_*``. Here the app takes over the
models (state) and renames the existing tables, with their sequences and indexes, to
``hq_console_*`` (database): ``ALTER ... RENAME`` changes the catalogue only, so every row stays
where it is. ``platform.0003`` drops the models from the platform state afterwards.
"""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLES = ("companypolicy", "hqannouncement", "hqannouncement_stores")
INDEXES = {
    "platform_companypolicy_pkey": "hq_console_companypolicy_pkey",
    "platform_companypolicy_singleton_key": "hq_console_companypolicy_singleton_key",
    "platform_companypolicy_updated_by_id_0a5749bd": "hq_console_companypolicy_updated_by_id_0a5749bd",
    "platform_hqannouncement_pkey": "hq_console_hqannouncement_pkey",
    "platform_hqannouncement_created_at_b9749698": "hq_console_hqannouncement_created_at_b9749698",
    "platform_hqannouncement_created_by_id_bc488a28": "hq_console_hqannouncement_created_by_id_bc488a28",
    "platform_hqannouncement_stores_pkey": "hq_console_hqannouncement_stores_pkey",
    "platform_hqannouncement__hqannouncement_id_store__6ea824d2_uniq": (
        "hq_console_hqannouncement_hqannouncement_id_store_6ea824d2_uniq"
    ),
    "platform_hqannouncement_stores_hqannouncement_id_ca030770": (
        "hq_console_hqannouncement_stores_hqannouncement_id_ca030770"
    ),
    "platform_hqannouncement_stores_store_id_55307c2d": "hq_console_hqannouncement_stores_store_id_55307c2d",
}


def _renames() -> list[tuple[str, str, str]]:
    """(kind, old name, new name) of everything renamed, tables first."""
    renames = [("TABLE", f"platform_{table}", f"hq_console_{table}") for table in TABLES]
    renames += [("SEQUENCE", f"platform_{table}_id_seq", f"hq_console_{table}_id_seq") for table in TABLES]
    renames += [("INDEX", old, new) for old, new in INDEXES.items()]
    return renames


FORWARD = "\n".join(f"ALTER {kind} {old} RENAME TO {new};" for kind, old, new in _renames())
BACKWARD = "\n".join(f"ALTER {kind} {new} RENAME TO {old};" for kind, old, new in reversed(_renames()))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("platform", "0002_company_policy_hq_announcement"),
        ("tenants", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.CreateModel(
                    name='CompanyPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('singleton', models.BooleanField(default=True, editable=False, unique=True)),
                        ('discount_threshold', models.DecimalField(decimal_places=3, default=Decimal('0.900'), max_digits=4, verbose_name='discount approval threshold')),
                        ('pool_grace_days', models.PositiveSmallIntegerField(default=3, verbose_name='follow-up grace period (days)')),
                        ('pool_max_idle_days', models.PositiveSmallIntegerField(default=30, verbose_name='maximum idle days')),
                        ('pool_return_visit_days', models.PositiveSmallIntegerField(default=7, verbose_name='return-visit deadline (days)')),
                        ('pool_ownership_cap', models.PositiveIntegerField(default=500, verbose_name='ownership cap')),
                        ('pool_daily_claim_limit', models.PositiveSmallIntegerField(default=20, verbose_name='daily claim limit')),
                        ('pool_reclaim_cooldown_days', models.PositiveSmallIntegerField(default=30, verbose_name='re-claim cooldown (days)')),
                        ('pool_release_warning_days', models.PositiveSmallIntegerField(default=2, verbose_name='release warning (days)')),
                        ('return_visit_window_days', models.PositiveSmallIntegerField(default=7, verbose_name='return visit window (days)')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'company policy',
                        'verbose_name_plural': 'company policies',
                    },
                ),
                migrations.CreateModel(
                    name='HqAnnouncement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('body', models.TextField(blank=True, verbose_name='body')),
                        ('all_stores', models.BooleanField(default=False, verbose_name='all stores')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('stores', models.ManyToManyField(blank=True, related_name='+', to='tenants.store', verbose_name='stores')),
                    ],
                    options={
                        'verbose_name': 'HQ announcement',
                        'verbose_name_plural': 'HQ announcements',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
            ],
        ),
    ]
