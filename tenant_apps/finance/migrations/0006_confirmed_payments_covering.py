from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Payments confirmed in a range with their order, kind and amount from the index alone (net
    revenue of part of a day, overdue receivables' collections since a moment). The new index is
    built before the one it replaces is dropped."""

    dependencies = [
        ("finance", "0005_change_journal"),
        ("sales", "0007_reporting_views"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(
                condition=models.Q(("status", "confirmed")),
                fields=["confirmed_at"],
                include=("order", "kind", "amount"),
                name="payment_confirmed_covering",
            ),
        ),
        migrations.RemoveIndex(
            model_name="payment",
            name="payment_confirmed_at",
        ),
    ]
