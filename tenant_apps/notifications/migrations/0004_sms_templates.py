from django.db import migrations, models


def name_existing_templates(apps, schema_editor):
    SmsTemplate = apps.get_model("notifications", "SmsTemplate")
    for row in SmsTemplate.objects.filter(name=""):
        row.name = row.code
        row.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
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
    ]
