"""The console's tables in the public schema: named after the app, and ``hq_console.0001``
renames them (both ways) without touching a row."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from hq_console.services import company_policy_update, hq_announcement_create

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("hq_console.migrations.0001_initial")
TABLES = ("hq_console_companypolicy", "hq_console_hqannouncement", "hq_console_hqannouncement_stores")


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_public_schema_has_the_console_tables_and_no_platform_ones():
    tables = _tables()

    assert set(TABLES) <= tables
    assert {t.replace("hq_console_", "platform_") for t in TABLES} & tables == set()


def test_the_renames_keep_the_rows_both_ways(users, store_a):
    company_policy_update(hq_user=users.hq_admin, pool_grace_days=9)
    hq_announcement_create(title="Stocktaking", hq_user=users.hq_admin, store_ids=[store_a.pk])
    before = {table: _count(table) for table in TABLES}
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.BACKWARD)
    assert {table: _count(table.replace("hq_console_", "platform_")) for table in TABLES} == before
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.FORWARD)

    assert {table: _count(table) for table in TABLES} == before
    assert before == {table: 1 for table in TABLES}
