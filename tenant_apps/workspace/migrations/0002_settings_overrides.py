from decimal import Decimal

from django.db import migrations, models

# The built-in defaults at the time of this migration: a store whose value differs from them set
# it itself, so it keeps it as an override instead of following HQ's company default.
DEFAULTS = {
    "discount_threshold": Decimal("0.900"),
    "pool_grace_days": 3,
    "pool_max_idle_days": 30,
    "pool_return_visit_days": 7,
    "pool_ownership_cap": 500,
    "pool_daily_claim_limit": 20,
    "pool_reclaim_cooldown_days": 30,
    "pool_release_warning_days": 2,
    "return_visit_window_days": 7,
}


def keep_own_values(apps, schema_editor):
    StoreSettings = apps.get_model("workspace", "StoreSettings")
    for row in StoreSettings.objects.all():
        row.overrides = [field for field, default in DEFAULTS.items() if getattr(row, field) != default]
        if row.overrides:
            row.save(update_fields=["overrides"])


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="storesettings",
            name="overrides",
            field=models.JSONField(blank=True, default=list, verbose_name="overridden policies"),
        ),
        migrations.RunPython(keep_own_values, migrations.RunPython.noop),
    ]
