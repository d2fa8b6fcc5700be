"""Orders and order lines as the app publishes them for reporting: the views other apps' SQL reads instead of
its tables (see ``reporting.py``)."""

from django.db import migrations

VIEWS = (
    ("sales_reporting_order", "SELECT id, customer_id, channel_id, owner_id, signed_at, status, amount, collected, fully_collected_at, due_date, payment_mode, completed_at, rating, device FROM sales_order"),
    ("sales_reporting_orderline", "SELECT id, order_id, sku, product_name, category_name, quantity, amount FROM sales_orderline"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0006_kanban_credit_open_and_paid"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS
    ]
