"""Ready for Citus schema-based sharding (deploy/citus.md).

Each store schema becomes a distributed schema placed on one worker node; the public schema stays
on the coordinator. A store table may then point at (and a store query may join) a public table
only if that table is a **reference table** (copied to every node). These tests list every
relation from a store table to a public table, foreign-key constraints in the database as well as
the ORM's relations without a constraint, and read the SQL of a run of store requests: each public
table a store statement names must be on ``REFERENCE_TABLES``, with the reason written down.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.isolation.urlenum import endpoints

# Public tables that become Citus reference tables, and why store tables need them.
REFERENCE_TABLES = {
    "accounts_user": (
        "Every store row names people (customer owner, author, approver, assignee...): 48 relations "
        "from store models, declared without a database constraint (db_constraint=False), and store "
        "lists join the user for names (select_related). Small, read-mostly, written on sign-up and "
        "profile changes: a reference table."
    ),
}

SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+\"?([a-z_][a-z0-9_]*)\"?", re.IGNORECASE)


def store_app_labels() -> set[str]:
    names = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    return {config.label for config in apps.get_app_configs() if config.name in names}


def public_tables() -> set[str]:
    labels = store_app_labels()
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in labels
    }


def store_relations_into_public() -> list[tuple[str, str]]:
    """Every forward relation of a store model to a public model: (relation, public table)."""
    labels, found = store_app_labels(), []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in labels:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            related = getattr(field, "related_model", None)
            if not field.is_relation or field.auto_created or related is None:
                continue
            if related._meta.app_label not in labels:
                found.append((f"{model._meta.label}.{field.name} -> {related._meta.label}", related._meta.db_table))
    return found


def foreign_keys_out_of(schema: str) -> list[tuple[str, str]]:
    """Foreign-key constraints of tables in ``schema`` that point into another schema: (constraint, table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT format('%%s.%%s.%%s', own_ns.nspname, own.relname, con.conname), ref_ns.nspname, ref.relname
              FROM pg_constraint con
              JOIN pg_class own ON own.oid = con.conrelid
              JOIN pg_namespace own_ns ON own_ns.oid = own.relnamespace
              JOIN pg_class ref ON ref.oid = con.confrelid
              JOIN pg_namespace ref_ns ON ref_ns.oid = ref.relnamespace
             WHERE con.contype = 'f' AND own_ns.nspname = %s AND ref_ns.nspname <> own_ns.nspname
            """,
            [schema],
        )
        return [(name, f"{ref_schema}.{table}") for name, ref_schema, table in cursor.fetchall()]


def public_tables_joined(statements: list[str], public: set[str], store_labels: set[str]) -> dict[str, set[str]]:
    """For each statement that names a store table: the public tables it names too."""
    joined: dict[str, set[str]] = {}
    for sql in statements:
        names = {name.lower() for name in SQL_TABLE.findall(sql)}
        if not any(name.split("_", 1)[0] in store_labels for name in names - public):
            continue
        named = names & public
        if named:
            joined[sql[:300]] = named
    return joined


def test_every_relation_from_a_store_model_to_a_public_model_points_at_a_reference_table():
    relations = store_relations_into_public()

    assert relations, "the check must see the store models' relations to users"
    assert [relation for relation, table in relations if table not in REFERENCE_TABLES] == []


def test_the_relation_check_sees_a_store_model_pointing_at_a_public_model():
    assert ("customers.Customer.owner -> accounts.User", "accounts_user") in store_relations_into_public()


@pytest.mark.django_db
def test_no_store_table_has_a_foreign_key_constraint_into_the_public_schema_but_to_a_reference_table():
    schemas = [settings.TENANT_TEMPLATE_SCHEMA, "s_alpha", "s_bravo"]
    found = [(name, table) for schema in schemas for name, table in foreign_keys_out_of(schema)]

    assert [name for name, table in found if table.removeprefix("public.") not in REFERENCE_TABLES] == []


@pytest.mark.django_db
def test_the_constraint_check_sees_a_store_table_with_a_foreign_key_into_public(store_a):
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(
            f"CREATE TABLE {store_a.schema_name}.probe_fk (store_id bigint REFERENCES public.tenants_store (id))"
        )
    found = foreign_keys_out_of(store_a.schema_name)

    assert [table for _name, table in found] == ["public.tenants_store"]


def test_the_join_check_reads_tables_of_a_statement():
    public = {"accounts_user", "tenants_store"}
    statements = [
        'SELECT * FROM "customers_customer" LEFT OUTER JOIN "accounts_user" ON (1=1)',
        'SELECT * FROM "customers_customer" INNER JOIN "tenants_store" ON (1=1)',
        'SELECT * FROM "accounts_user" WHERE id = 1',
        "SELECT * FROM sales_reporting_order o JOIN tenants_store s ON true",
    ]

    joined = public_tables_joined(statements, public, {"customers", "sales"})

    assert sorted(sorted(tables) for tables in joined.values()) == [
        ["accounts_user"],
        ["tenants_store"],
        ["tenants_store"],
    ]


@pytest.mark.django_db
def test_store_requests_join_public_tables_only_through_reference_tables(api, page_client, users, store_a, in_store):
    """Every page and API path of a store, read (GET) by its admin, over a store with data."""
    from tests.factories.sales import make_customer

    with in_store(store_a):
        for n in range(3):
            make_customer(name=f"Reader {n}", owner=users.a_sales)
    client_api, client_page = api(users.a_admin, store_a), page_client(users.a_admin, store_a)
    statements: list[str] = []
    answered = 0
    for endpoint in endpoints("config.urls_tenant"):
        client = client_api if endpoint.is_api else client_page
        with CaptureQueriesContext(connection) as captured:
            response = client.get(endpoint.path)
        connection.set_schema_to_public()
        answered += response.status_code == 200
        statements += [query["sql"] for query in captured.captured_queries]

    joined = public_tables_joined(statements, public_tables(), store_app_labels())
    outside = {sql: tables - set(REFERENCE_TABLES) for sql, tables in joined.items() if tables - set(REFERENCE_TABLES)}

    assert answered > 50, "the run must read real pages and lists"
    assert any("accounts_user" in tables for tables in joined.values()), "store lists join their people's names"
    assert outside == {}
