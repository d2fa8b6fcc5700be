# Indexes for the customer list: the default order of live customers, and prefix search on the
# normalised mobile and on chat ids (case-insensitive). The two expression indexes are written in
# SQL because Django renders OpClass around an expression correctly only with
# django.contrib.postgres installed; the model state is the same either way.

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

EXPRESSION_INDEXES = (
    ("customer_wechat_prefix", "wechat_id"),
    ("customer_chat_prefix", "platform_chat_id"),
)


def _expression_index(name: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        sql=f'CREATE INDEX "{name}" ON "customers_customer" ((UPPER("{column}"::text)) text_pattern_ops)',
        reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
        state_operations=[
            migrations.AddIndex(
                model_name="customer",
                index=models.Index(
                    django.contrib.postgres.indexes.OpClass(
                        django.db.models.functions.text.Upper(column), name="text_pattern_ops"
                    ),
                    name=name,
                ),
            )
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("merged_into__isnull", True)),
                name="customer_live_created",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["mobile_normalized"], name="customer_mobile_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        *(_expression_index(name, column) for name, column in EXPRESSION_INDEXES),
    ]
