"""Copying the template schema by replaying its DDL gives exactly the template, and falls back to
django-tenants' clone_schema without pg_dump."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.conf import settings
from django.db import connection

from shared_apps.platform import pgtools
from tenants import schema_copy

TEMPLATE = settings.TENANT_TEMPLATE_SCHEMA


@pytest.fixture(autouse=True)
def fresh_cache():
    schema_copy._cache.clear()
    yield
    schema_copy._cache.clear()


def structure(schema: str) -> str:
    """The catalog's own description of ``schema``, with the schema's name taken out.

    Read from the catalogs in this transaction (pg_dump would not see the uncommitted copy)."""
    queries = [
        # columns, with types, defaults, nullability and identity
        """SELECT c.relname, c.relkind::text, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                  a.attnotnull, a.attidentity::text, a.attgenerated::text,
                  coalesce(pg_get_expr(d.adbin, d.adrelid), '')
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
           WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')""",
        # constraints (primary, unique, check, foreign keys, exclusions), by name
        """SELECT conrelid::regclass::text, conname, contype::text, conkey::text,
                  confrelid::regclass::text, confkey::text,
                  CASE WHEN contype = 'c' THEN '' ELSE pg_get_constraintdef(oid) END
           FROM pg_constraint WHERE connamespace = %(s)s::regnamespace""",
        # indexes
        """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE c.relnamespace = %(s)s::regnamespace""",
        # triggers
        """SELECT t.tgname, pg_get_triggerdef(t.oid)
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
           WHERE c.relnamespace = %(s)s::regnamespace AND NOT t.tgisinternal""",
        # functions
        """SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
           FROM pg_proc p WHERE p.pronamespace = %(s)s::regnamespace""",
        # views
        """SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c
           WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind IN ('v', 'm')""",
        # sequences and where they stand
        """SELECT sequencename, data_type::text, start_value, increment_by, last_value
           FROM pg_sequences WHERE schemaname = %(s)s""",
    ]
    parts = []
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query, {"s": schema})
            parts.extend(sorted(repr(row) for row in cursor.fetchall()))
        # A check's expression as PostgreSQL prints it again after pg_dump (the same casts, placed
        # differently): compared without casts, brackets and spaces.
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE connamespace = %(s)s::regnamespace AND contype = 'c'""",
            {"s": schema},
        )
        parts.extend(
            sorted(repr((table, name, re.sub(r"::[a-z ]+(\[\])?|[()\s]", "", text))) for table, name, text in cursor)
        )
    return re.sub(rf"\b{re.escape(schema)}\b", "<schema>", "\n".join(parts))


def rows(schema: str, table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {schema}.{table} ORDER BY 1")
        return cursor.fetchall()


def test_the_copy_has_exactly_the_templates_structure_rows_and_sequences(db):
    assert schema_copy.copy_schema(TEMPLATE, "zz_copy") == "ddl"

    copied = structure("zz_copy")
    assert copied == structure(TEMPLATE)
    assert "CREATE TRIGGER" in copied and "CREATE OR REPLACE FUNCTION" in copied
    migrations = rows(TEMPLATE, "django_migrations")
    assert len(migrations) > 50
    assert rows("zz_copy", "django_migrations") == migrations


def test_the_copy_is_a_separate_schema_whose_sequences_and_tables_are_its_own(db):
    schema_copy.copy_schema(TEMPLATE, "zz_copy")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO zz_copy.django_migrations (app, name, applied) VALUES ('x', 'y', now()) RETURNING id"
        )
        new_id = cursor.fetchone()[0]
    assert new_id == max(row[0] for row in rows(TEMPLATE, "django_migrations")) + 1
    assert not [row for row in rows(TEMPLATE, "django_migrations") if row[1] == "x"]


def test_the_ddl_is_read_once_and_again_when_the_template_changes(db, monkeypatch):
    dumps = []
    real_dump = schema_copy._dump_ddl
    monkeypatch.setattr(
        schema_copy, "_dump_ddl", lambda schema, section: dumps.append(schema) or real_dump(schema, section)
    )

    schema_copy.copy_schema(TEMPLATE, "zz_one")
    schema_copy.copy_schema(TEMPLATE, "zz_two")
    assert dumps == [TEMPLATE, TEMPLATE]  # its two sections

    monkeypatch.setattr(schema_copy, "_fingerprint", lambda schema: ("changed",))
    schema_copy.copy_schema(TEMPLATE, "zz_three")

    assert dumps == [TEMPLATE] * 4


@pytest.mark.parametrize(
    "change",
    [
        "CREATE TABLE {t}.zz_added (id int)",
        "CREATE INDEX zz_index ON {t}.django_migrations (name)",
        "CREATE FUNCTION {t}.zz_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "INSERT INTO {t}.django_migrations (app, name, applied) VALUES ('zz', 'zz', now())",
    ],
    ids=["table", "index", "function", "migration"],
)
def test_the_fingerprint_changes_with_the_templates_objects_and_migrations(db, change):
    before = schema_copy._fingerprint(TEMPLATE)
    with connection.cursor() as cursor:
        cursor.execute(change.format(t=TEMPLATE))
    assert schema_copy._fingerprint(TEMPLATE) != before


def test_a_name_that_contains_the_templates_is_not_renamed():
    ddl = "CREATE TABLE tpl_store.a (x int); -- tpl_store_extra, my_tpl_store, tpl_store$1"
    assert (
        schema_copy._renamed(ddl, "tpl_store", "s_new")
        == "CREATE TABLE s_new.a (x int); -- tpl_store_extra, my_tpl_store, tpl_store$1"
    )


@pytest.mark.parametrize(
    "failure",
    [
        pgtools.ToolsNotFound("no pg_dump of PostgreSQL 15"),
        subprocess.TimeoutExpired(cmd="pg_dump", timeout=300),
        FileNotFoundError("pg_dump"),
    ],
    ids=["no-tools", "timeout", "missing-file"],
)
def test_without_a_working_pg_dump_the_template_is_cloned_by_clone_schema(db, monkeypatch, failure):
    def broken(schema, section):
        raise failure

    monkeypatch.setattr(schema_copy, "_dump_ddl", broken)

    assert schema_copy.copy_schema(TEMPLATE, "zz_cloned") == "clone"
    assert structure("zz_cloned") == structure(TEMPLATE)


def test_a_failing_dump_names_the_schema_and_pg_dumps_message(db, monkeypatch):
    tools = pgtools.find_tools()
    monkeypatch.setattr(pgtools, "find_tools", lambda: tools)
    monkeypatch.setattr(
        schema_copy.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 1, stdout="", stderr="pg_dump: error: no matching schemas"),
    )
    with pytest.raises(pgtools.ToolsNotFound, match=f"pg_dump of {TEMPLATE} failed: pg_dump: error: no matching"):
        schema_copy._dump_ddl(TEMPLATE, "pre-data")


def unique_constraints(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE connamespace = %s::regnamespace AND contype = 'u'", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def test_clone_schema_loses_declared_constraint_names_and_the_store_migration_gives_them_back(db):
    from importlib import import_module
    from types import SimpleNamespace

    from django_tenants.clone import CloneSchema

    CloneSchema().clone_schema(TEMPLATE, "zz_old_clone", "DATA", set_connection=True)
    lost = unique_constraints(TEMPLATE) - unique_constraints("zz_old_clone")
    assert "automation_run_once_per_occurrence" in lost
    assert "automation_rulerun_rule_id_occurrence_key" in unique_constraints("zz_old_clone")

    migration = import_module("tenant_apps.workspace.migrations.0006_repair_cloned_constraint_names")
    migration.repair(
        None, SimpleNamespace(connection=SimpleNamespace(schema_name="zz_old_clone", cursor=connection.cursor))
    )

    assert unique_constraints("zz_old_clone") == unique_constraints(TEMPLATE)
    assert structure("zz_old_clone") == structure(TEMPLATE)
    # A second run (and a run in the template, or in a copy) renames nothing.
    assert schema_copy.repair_constraint_names("zz_old_clone", template=TEMPLATE) == []
    assert schema_copy.repair_constraint_names(TEMPLATE, template=TEMPLATE) == []


def test_a_constraint_the_store_declares_itself_is_not_renamed_after_the_templates(db):
    from django_tenants.clone import CloneSchema

    CloneSchema().clone_schema(TEMPLATE, "zz_own", "DATA", set_connection=True)
    with connection.cursor() as cursor:
        # The store already holds a constraint under the template's name, on another column set.
        cursor.execute(
            "ALTER TABLE zz_own.automation_rulerun DROP CONSTRAINT automation_rulerun_rule_id_occurrence_key"
        )
        cursor.execute(
            "ALTER TABLE zz_own.automation_rulerun"
            " ADD CONSTRAINT automation_run_once_per_occurrence UNIQUE (id, rule_id)"
        )
    renamed = schema_copy.repair_constraint_names("zz_own", template=TEMPLATE)
    assert "automation_run_once_per_occurrence" not in {new for _table, _old, new in renamed}
    assert renamed  # the others are repaired
