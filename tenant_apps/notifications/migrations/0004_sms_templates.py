import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


def name_existing_templates(apps, schema_editor):
    SmsTemplate = apps.get_model("notifications", "SmsTemplate")
    for row in SmsTemplate.objects.filter(name=""):
        row.name = row.code
        row.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        ('notifications', '0003_message_ids'),
    ]

    operations = [
        migrations.RenameField(model_name='smstemplate', old_name='key', new_name='code'),
        migrations.RenameField(model_name='smstemplate', old_name='provider_code', new_name='provider_template_code'),
        migrations.RenameField(model_name='smstemplate', old_name='text', new_name='body'),
        migrations.AlterField(
            model_name='smstemplate',
            name='code',
            field=models.CharField(max_length=64, unique=True, verbose_name='code'),
        ),
        migrations.AlterField(
            model_name='smstemplate',
            name='body',
            field=models.CharField(max_length=500, verbose_name='text'),
        ),
        migrations.AddField(
            model_name='smstemplate',
            name='name',
            field=models.CharField(default='', max_length=120, verbose_name='name'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='smstemplate',
            name='enabled',
            field=models.BooleanField(default=True, verbose_name='enabled'),
        ),
        migrations.AlterField(
            model_name='smstemplate',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AddField(
            model_name='smsmessage',
            name='provider_template_code',
            field=models.CharField(blank=True, max_length=64, verbose_name='provider template code'),
        ),
        migrations.AlterModelOptions(
            name='smstemplate',
            options={'ordering': ['code'], 'verbose_name': 'SMS template', 'verbose_name_plural': 'SMS templates'},
        ),
        migrations.RunPython(name_existing_templates, migrations.RunPython.noop),
        pgtrigger.migrations.AddTrigger(
            model_name='smstemplate',
            trigger=pgtrigger.compiler.Trigger(name='audit_insert', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE jit_was text;', func="jit_was := current_setting('jit');\nPERFORM set_config('jit', 'off', true);\nINSERT INTO audit_actionentry (at, actor_id, actor, ip, source, request_id, action, object_type, object_id, changes)\n    SELECT c.at, c.actor_id, c.actor, c.ip, c.source, c.request_id, 'create', 'notifications.smstemplate', r.id::text,\n        COALESCE(\n            (SELECT jsonb_object_agg(e.key, jsonb_build_array(NULL, e.value))\n             FROM jsonb_each(to_jsonb(r) - ARRAY['updated_at']::text[]) e WHERE e.value <> 'null'::jsonb),\n            jsonb_build_object())\n    FROM new_rows r CROSS JOIN audit_context() c;\nPERFORM set_config('jit', jit_was, true);\nRETURN NULL;", hash='87d12135911e91164fd1623bd1f42bb13d3d0db1', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='INSERT', pgid='pgtrigger_audit_insert_c5d22', referencing='REFERENCING NEW TABLE AS new_rows ', table='notifications_smstemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='smstemplate',
            trigger=pgtrigger.compiler.Trigger(name='audit_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE jit_was text;', func="jit_was := current_setting('jit');\nPERFORM set_config('jit', 'off', true);\nWITH pairs AS MATERIALIZED (\n        SELECT n.id::text AS id, to_jsonb(n) AS nj, to_jsonb(o) - ARRAY['updated_at']::text[] AS oj\n        FROM new_rows n JOIN old_rows o ON o.id = n.id\n    ), diffs AS MATERIALIZED (\n        SELECT p.id, (\n            SELECT jsonb_object_agg(e.key, jsonb_build_array(e.value, p.nj -> e.key))\n            FROM jsonb_each(p.oj) e WHERE e.value IS DISTINCT FROM p.nj -> e.key\n        ) AS changes\n        FROM pairs p\n    )\n    INSERT INTO audit_actionentry (at, actor_id, actor, ip, source, request_id, action, object_type, object_id, changes)\n    SELECT c.at, c.actor_id, c.actor, c.ip, c.source, c.request_id, 'update', 'notifications.smstemplate', d.id, d.changes\n    FROM diffs d CROSS JOIN audit_context() c\n    WHERE d.changes IS NOT NULL;\nPERFORM set_config('jit', jit_was, true);\nRETURN NULL;", hash='2f0200201449d71c2150e89f7aad2719f57867b2', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_audit_update_47257', referencing='REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ', table='notifications_smstemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='smstemplate',
            trigger=pgtrigger.compiler.Trigger(name='audit_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE jit_was text;', func="jit_was := current_setting('jit');\nPERFORM set_config('jit', 'off', true);\nINSERT INTO audit_actionentry (at, actor_id, actor, ip, source, request_id, action, object_type, object_id, changes)\n    SELECT c.at, c.actor_id, c.actor, c.ip, c.source, c.request_id, 'delete', 'notifications.smstemplate', r.id::text,\n        COALESCE(\n            (SELECT jsonb_object_agg(e.key, jsonb_build_array(e.value, NULL))\n             FROM jsonb_each(to_jsonb(r) - ARRAY['updated_at']::text[]) e WHERE e.value <> 'null'::jsonb),\n            jsonb_build_object())\n    FROM old_rows r CROSS JOIN audit_context() c;\nPERFORM set_config('jit', jit_was, true);\nRETURN NULL;", hash='3b094e94ba6cc7a1cb6da610df66e39932212291', ignore_func_name='_pgtrigger_should_ignore', level='STATEMENT', operation='DELETE', pgid='pgtrigger_audit_delete_5bd1d', referencing='REFERENCING OLD TABLE AS old_rows ', table='notifications_smstemplate', when='AFTER')),
        ),
    ]
