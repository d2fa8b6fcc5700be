"""Finding, in one query, which schemas need migrating."""

from __future__ import annotations

import re
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tenants.migration import schemas_needing_migration


def test_up_to_date_schemas_need_no_migration(store_a, store_b):
    schemas = [store_a.schema_name, store_b.schema_name, settings.TENANT_TEMPLATE_SCHEMA]

    assert schemas_needing_migration(schemas) == []


def test_schema_missing_a_migration_row_needs_migration(store_a, store_b):
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {store_a.schema_name}.django_migrations "
            "WHERE id = (SELECT max(id) FROM " + store_a.schema_name + ".django_migrations)"
        )

    assert schemas_needing_migration([store_a.schema_name, store_b.schema_name]) == [store_a.schema_name]


def test_schema_without_a_migrations_table_needs_migration(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA s_empty_for_test")

    assert schemas_needing_migration(["s_empty_for_test"]) == ["s_empty_for_test"]


def test_no_schemas_asked_means_none_to_migrate(db):
    assert schemas_needing_migration([]) == []


def test_migrate_schemas_skips_every_up_to_date_store(store_a, store_b, capsys):
    call_command("migrate_schemas", tenant=True, interactive=False, stdout=StringIO())

    assert re.search(r"\d+ schema\(s\) up to date, 0 to migrate", capsys.readouterr().out)


def test_executor_option_still_selects_django_tenants_own_executors():
    from django_tenants.migration_executors.multiproc import MultiprocessingExecutor
    from django_tenants.migration_executors.standard import StandardExecutor

    from tenants.migration import SkippingExecutor, get_executor

    assert get_executor(None) is SkippingExecutor
    assert get_executor("standard") is StandardExecutor
    assert get_executor("multiprocessing") is MultiprocessingExecutor
