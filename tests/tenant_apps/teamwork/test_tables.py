"""The team-work tables in a store schema: named after the app, with the indexes and unique
constraints the models declare, and ``teamwork.0001`` renames them (both ways) without touching a row."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

from tenant_apps.teamwork import services
from tests.factories import access_of

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("tenant_apps.teamwork.migrations.0001_initial")
TABLES = ("teamwork_announcement", "teamwork_announcementreceipt", "teamwork_dailyreport", "teamwork_worktask")


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_store_schema_has_the_teamwork_tables_and_no_kanban_ones(store_a, in_store):
    with in_store(store_a):
        tables = _tables()

    assert set(TABLES) <= tables
    assert {t.replace("teamwork_", "kanban_") for t in TABLES} & tables == set()


def test_every_declared_index_and_unique_constraint_exists(store_a, in_store):
    """Indexes by name; unique constraints by their columns (a store cloned from the template
    schema gets them under the names PostgreSQL gives)."""
    missing = []
    with in_store(store_a), connection.cursor() as cursor:
        for model in apps.get_app_config("teamwork").get_models():
            found = connection.introspection.get_constraints(cursor, model._meta.db_table)
            unique = [tuple(c["columns"]) for c in found.values() if c["unique"] and not c["primary_key"]]
            missing += [index.name for index in model._meta.indexes if index.name not in found]
            for constraint in model._meta.constraints:
                columns = tuple(model._meta.get_field(name).column for name in constraint.fields)
                if columns not in unique:
                    missing.append(constraint.name)

    assert missing == []


def test_the_renames_keep_the_rows_both_ways(store_a, users, in_store):
    with in_store(store_a):
        admin = access_of(users.a_admin, store_a)
        services.task_create(access=admin, title="Count the pallets", assignee_id=users.a_sales.pk)
        services.report_submit(access=admin, done_today="Quoted 3")
        before = {table: _count(table) for table in TABLES}
        with connection.cursor() as cursor:
            cursor.execute(MIGRATION.BACKWARD)
        assert {table: _count(table.replace("teamwork_", "kanban_")) for table in TABLES} == before
        with connection.cursor() as cursor:
            cursor.execute(MIGRATION.FORWARD)
        assert {table: _count(table) for table in TABLES} == before
        services.task_create(access=admin, title="Sweep the yard", assignee_id=users.a_sales.pk)
        after = _count("teamwork_worktask")

    assert before["teamwork_worktask"] >= 1
    assert after == before["teamwork_worktask"] + 1
