"""The sales change journal: the days and customers whose sales changed, marked by the triggers
declared with the orders and their lines, and published as views for the consumers that take them
(see ``journal.py`` and ``reporting.py``). The order trigger reads the payments' days through
``finance_reporting_payment``."""

import django.db.models.functions.comparison
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


VIEWS = (
    ("sales_reporting_changedday", "SELECT day FROM sales_changedday"),
    ("sales_reporting_changedcustomer", "SELECT customer_id FROM sales_changedcustomer"),
)


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0007_reporting_views'),
        ("finance", "0004_reporting_views"),
    ]

    operations = [
        migrations.CreateModel(
            name='ChangedCustomer',
            fields=[
                ('pk', models.CompositePrimaryKey('customer_id', 'txid', blank=True, editable=False, primary_key=True, serialize=False)),
                ('customer_id', models.BigIntegerField()),
                ('txid', models.BigIntegerField(db_default=django.db.models.functions.comparison.Cast(django.db.models.functions.comparison.Cast(models.Func(function='pg_current_xact_id', output_field=models.TextField()), models.TextField()), models.BigIntegerField()))),
            ],
        ),
        migrations.CreateModel(
            name='ChangedDay',
            fields=[
                ('pk', models.CompositePrimaryKey('day', 'txid', blank=True, editable=False, primary_key=True, serialize=False)),
                ('day', models.DateField()),
                ('txid', models.BigIntegerField(db_default=django.db.models.functions.comparison.Cast(django.db.models.functions.comparison.Cast(models.Func(function='pg_current_xact_id', output_field=models.TextField()), models.TextField()), models.BigIntegerField()))),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='order',
            trigger=pgtrigger.compiler.Trigger(name='journal_order_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO sales_changedday (day) SELECT DISTINCT ((r.signed_at AT TIME ZONE 'UTC')::date) FROM new_rows r\n    ON CONFLICT DO NOTHING;\nINSERT INTO sales_changedcustomer (customer_id) SELECT DISTINCT r.customer_id FROM new_rows r\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='f0788600946761cf88f6b76eaa09e674c7f36685', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='INSERT', pgid='pgtrigger_journal_order_insert_0a79c', referencing='REFERENCING NEW TABLE AS new_rows ', table='sales_order', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='order',
            trigger=pgtrigger.compiler.Trigger(name='journal_order_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO sales_changedday (day) SELECT DISTINCT k FROM new_rows n JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL (VALUES (((n.signed_at AT TIME ZONE 'UTC')::date)), (((o.signed_at AT TIME ZONE 'UTC')::date))) keys (k) WHERE n.signed_at IS DISTINCT FROM o.signed_at OR n.amount IS DISTINCT FROM o.amount OR n.channel_id IS DISTINCT FROM o.channel_id OR n.owner_id IS DISTINCT FROM o.owner_id OR n.device IS DISTINCT FROM o.device OR n.customer_id IS DISTINCT FROM o.customer_id OR (n.status = 'cancelled') IS DISTINCT FROM (o.status = 'cancelled')\n    ON CONFLICT DO NOTHING;\nINSERT INTO sales_changedday (day) SELECT DISTINCT ((p.confirmed_at AT TIME ZONE 'UTC')::date) FROM finance_reporting_payment p\n    WHERE p.confirmed_at IS NOT NULL\n      AND p.order_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.channel_id IS DISTINCT FROM o.channel_id OR n.owner_id IS DISTINCT FROM o.owner_id)\n    ON CONFLICT DO NOTHING;\nINSERT INTO sales_changedcustomer (customer_id) SELECT DISTINCT k FROM new_rows n JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL (VALUES (n.customer_id), (o.customer_id)) keys (k) WHERE n.signed_at IS DISTINCT FROM o.signed_at OR n.customer_id IS DISTINCT FROM o.customer_id OR n.channel_id IS DISTINCT FROM o.channel_id OR n.owner_id IS DISTINCT FROM o.owner_id OR n.amount IS DISTINCT FROM o.amount OR n.completed_at IS DISTINCT FROM o.completed_at OR n.rating IS DISTINCT FROM o.rating OR (n.status = 'cancelled') IS DISTINCT FROM (o.status = 'cancelled')\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='bc48de8bc9af17086797a562fea2464d69abfac7', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_journal_order_update_fe540', referencing='REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ', table='sales_order', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='order',
            trigger=pgtrigger.compiler.Trigger(name='journal_order_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO sales_changedday (day) SELECT DISTINCT ((r.signed_at AT TIME ZONE 'UTC')::date) FROM old_rows r\n    ON CONFLICT DO NOTHING;\nINSERT INTO sales_changedcustomer (customer_id) SELECT DISTINCT r.customer_id FROM old_rows r\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='2f10e830a9b47c5b00cd64c0694d59cc2214c9d6', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='DELETE', pgid='pgtrigger_journal_order_delete_53128', referencing='REFERENCING OLD TABLE AS old_rows ', table='sales_order', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='orderline',
            trigger=pgtrigger.compiler.Trigger(name='journal_line_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO sales_changedday (day) SELECT DISTINCT ((s.signed_at AT TIME ZONE 'UTC')::date) FROM sales_order s WHERE s.id IN (SELECT order_id FROM new_rows)\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='9d3a93c9184c7f2d4dfae63901c600f32372426c', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='INSERT', pgid='pgtrigger_journal_line_insert_e9691', referencing='REFERENCING NEW TABLE AS new_rows ', table='sales_orderline', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='orderline',
            trigger=pgtrigger.compiler.Trigger(name='journal_line_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO sales_changedday (day) SELECT DISTINCT ((s.signed_at AT TIME ZONE 'UTC')::date) FROM sales_order s WHERE s.id IN (SELECT order_id FROM new_rows UNION SELECT order_id FROM old_rows)\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='2b60db394e71bb4d9082956b1bea5496fa2d9a44', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_journal_line_update_36b95', referencing='REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ', table='sales_orderline', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='orderline',
            trigger=pgtrigger.compiler.Trigger(name='journal_line_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO sales_changedday (day) SELECT DISTINCT ((s.signed_at AT TIME ZONE 'UTC')::date) FROM sales_order s WHERE s.id IN (SELECT order_id FROM old_rows)\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='5f599061f6f5c1fcd2c5a9801d39c10dcfe2ed40', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='DELETE', pgid='pgtrigger_journal_line_delete_262b6', referencing='REFERENCING OLD TABLE AS old_rows ', table='sales_orderline', when='AFTER')),
        ),
        *(migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS),
    ]
