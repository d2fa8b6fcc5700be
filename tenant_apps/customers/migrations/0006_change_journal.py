"""The customers change journal: the days of the orders of customers whose province changed and
the customers whose follow-ups changed, marked by the triggers declared with the customers and
follow-ups, and published as views for the consumers that take them (see ``journal.py`` and
``reporting.py``). The customer trigger reads the orders' days through ``sales_reporting_order``."""

import django.db.models.functions.comparison
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


VIEWS = (
    ("customers_reporting_changedday", "SELECT day FROM customers_changedday"),
    ("customers_reporting_changedcustomer", "SELECT customer_id FROM customers_changedcustomer"),
)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_reporting_views'),
        ("sales", "0007_reporting_views"),
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
            model_name='customer',
            trigger=pgtrigger.compiler.Trigger(name='journal_customer_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO customers_changedday (day)\n    SELECT DISTINCT ((s.signed_at AT TIME ZONE 'UTC')::date) FROM sales_reporting_order s\n    WHERE s.customer_id IN (\n        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.province IS DISTINCT FROM o.province)\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='ea67d6e31b7aaa612157841f3e8b535f1507be7b', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_journal_customer_update_95060', referencing='REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ', table='customers_customer', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='followup',
            trigger=pgtrigger.compiler.Trigger(name='journal_followup_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO customers_changedcustomer (customer_id) SELECT DISTINCT r.customer_id FROM new_rows r\n    ON CONFLICT DO NOTHING;\nRETURN NULL;', hash='3b8a088de07fece462c9d09b87511bc43f5d0059', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='INSERT', pgid='pgtrigger_journal_followup_insert_000af', referencing='REFERENCING NEW TABLE AS new_rows ', table='customers_followup', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='followup',
            trigger=pgtrigger.compiler.Trigger(name='journal_followup_update', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO customers_changedcustomer (customer_id) SELECT DISTINCT k FROM new_rows n JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL (VALUES (n.customer_id), (o.customer_id)) keys (k) WHERE n.customer_id IS DISTINCT FROM o.customer_id OR n.created_at IS DISTINCT FROM o.created_at\n    ON CONFLICT DO NOTHING;\nRETURN NULL;', hash='becfc23bae965476b1b876668026840b56ee3f0f', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_journal_followup_update_f692f', referencing='REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ', table='customers_followup', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='followup',
            trigger=pgtrigger.compiler.Trigger(name='journal_followup_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO customers_changedcustomer (customer_id) SELECT DISTINCT r.customer_id FROM old_rows r\n    ON CONFLICT DO NOTHING;\nRETURN NULL;', hash='f84cf652e4c22448f565bcfc9a4b1b217dfd9c21', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='DELETE', pgid='pgtrigger_journal_followup_delete_475eb', referencing='REFERENCING OLD TABLE AS old_rows ', table='customers_followup', when='AFTER')),
        ),
        *(migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS),
    ]
