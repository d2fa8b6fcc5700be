"""The finance change journal: the days whose confirmed payment records changed, marked by the
triggers declared with the payment records, and published as a view for the consumers that take
them (see ``journal.py`` and ``reporting.py``)."""

import django.db.models.functions.comparison
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


VIEWS = (
    ("finance_reporting_changedday", "SELECT day FROM finance_changedday"),
)


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0004_reporting_views'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChangedDay',
            fields=[
                ('pk', models.CompositePrimaryKey('day', 'txid', blank=True, editable=False, primary_key=True, serialize=False)),
                ('day', models.DateField()),
                ('txid', models.BigIntegerField(db_default=django.db.models.functions.comparison.Cast(django.db.models.functions.comparison.Cast(models.Func(function='pg_current_xact_id', output_field=models.TextField()), models.TextField()), models.BigIntegerField()))),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='payment',
            trigger=pgtrigger.compiler.Trigger(name='journal_payment_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO finance_changedday (day) SELECT DISTINCT ((r.confirmed_at AT TIME ZONE 'UTC')::date) FROM new_rows r WHERE r.confirmed_at IS NOT NULL\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='37999cfef5f2eeb4d95cbd686c109f30acfb6a5f', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='INSERT', pgid='pgtrigger_journal_payment_insert_86144', referencing='REFERENCING NEW TABLE AS new_rows ', table='finance_payment', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='payment',
            trigger=pgtrigger.compiler.Trigger(name='journal_payment_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO finance_changedday (day) SELECT k FROM (SELECT DISTINCT k FROM new_rows n JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL (VALUES (((n.confirmed_at AT TIME ZONE 'UTC')::date)), (((o.confirmed_at AT TIME ZONE 'UTC')::date))) keys (k) WHERE n.order_id IS DISTINCT FROM o.order_id OR n.kind IS DISTINCT FROM o.kind OR n.amount IS DISTINCT FROM o.amount OR n.status IS DISTINCT FROM o.status OR n.confirmed_at IS DISTINCT FROM o.confirmed_at) days WHERE k IS NOT NULL\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='2b69a83ba2aebc81c3cca2ecf389eaffe633e089', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_journal_payment_update_61c3f', referencing='REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ', table='finance_payment', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='payment',
            trigger=pgtrigger.compiler.Trigger(name='journal_payment_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="INSERT INTO finance_changedday (day) SELECT DISTINCT ((r.confirmed_at AT TIME ZONE 'UTC')::date) FROM old_rows r WHERE r.confirmed_at IS NOT NULL\n    ON CONFLICT DO NOTHING;\nRETURN NULL;", hash='a3180324f8c11a82368f978430c037b299888baa', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='DELETE', pgid='pgtrigger_journal_payment_delete_e0488', referencing='REFERENCING OLD TABLE AS old_rows ', table='finance_payment', when='AFTER')),
        ),
        *(migrations.RunSQL(f"CREATE VIEW {view} AS {select}", f"DROP VIEW IF EXISTS {view}") for view, select in VIEWS),
    ]
