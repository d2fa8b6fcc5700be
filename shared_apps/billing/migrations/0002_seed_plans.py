"""The plans offered: trial (small, 14 days), standard, pro (unlimited)."""

from django.db import migrations

PLANS = [
    {"code": "trial", "name": "Trial", "max_seats": 3, "max_customers": 500, "trial_days": 14, "order": 10},
    {"code": "standard", "name": "Standard", "max_seats": 20, "max_customers": 20000, "trial_days": 14, "order": 20},
    {"code": "pro", "name": "Pro", "max_seats": None, "max_customers": None, "trial_days": 14, "order": 30},
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for row in PLANS:
        Plan.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})


def unseed(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.filter(code__in=[p["code"] for p in PLANS], accounts=None).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
