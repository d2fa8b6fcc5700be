"""Give a store's unique constraints back their declared names where django-tenants' clone_schema
renamed them (see tenants.schema_copy.repair_constraint_names). Stores made by migrations, and
stores copied from the template since, already have them: nothing is renamed there."""

from django.conf import settings
from django.db import migrations


def repair(apps, schema_editor):
    from tenants.schema_copy import repair_constraint_names

    schema = schema_editor.connection.schema_name
    template = settings.TENANT_TEMPLATE_SCHEMA
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regnamespace(%s) IS NOT NULL", [template])
        if not cursor.fetchone()[0]:
            return
    repair_constraint_names(schema, template=template)


class Migration(migrations.Migration):
    dependencies = [("workspace", "0005_letterhead")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
