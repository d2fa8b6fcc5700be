"""Upgrading a store to the change journals of the source apps loses no pending mark.

Store A is migrated back, inside the test's transaction, to the state before the journals (the
Kanban's own triggers and tables of marks), written to so that the old triggers leave marks
pending, and migrated forward again; the transaction is rolled back at the end."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenant_apps.customers.models import Customer, FollowUp
from tenant_apps.finance.models import Payment
from tenant_apps.sales.models import Order
from tests.dates import days_from_today, local_at
from tests.factories.sales import make_customer, make_order, make_product
from tests.journals import take

pytestmark = pytest.mark.django_db

BEFORE = [
    ("kanban", "0009_history_one_row_per_key"),
    ("sales", "0007_reporting_views"),
    ("finance", "0004_reporting_views"),
    ("customers", "0005_reporting_views"),
]
APPS = {app for app, _name in BEFORE}


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    return [node for node in graph.leaf_nodes() if node[0] in APPS]


def rows(sql: str) -> set:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {row[0] for row in cursor.fetchall()}


def execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


# The store's own triggers, trigger functions and tables.
TRIGGERS = """SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"""
FUNCTIONS = "SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def utc_day(at):
    return at.astimezone(UTC).date()


def test_an_upgrade_carries_every_pending_mark_into_the_journals(store_a, in_store, users):
    with in_store(store_a):
        # Foreign keys are checked at once: a table with pending checks cannot lose a trigger.
        execute("SET CONSTRAINTS ALL IMMEDIATE")
        migrate(BEFORE)
        assert {"kanban_order_upd", "kanban_payment_upd", "kanban_followup_cust_ins"} <= rows(TRIGGERS)
        assert "sales_changedday" not in rows(TABLES)
        execute("DELETE FROM kanban_rollupdirtyday")
        execute("DELETE FROM kanban_rollupdirtycustomer")
        # Today's models write columns that later migrations add (customers 0007): present while
        # the old state is written to, gone again before the upgrade adds them.
        execute("ALTER TABLE customers_customer ADD COLUMN erased_at timestamptz NULL")
        # ... and sales 0010 (cost prices).
        execute("ALTER TABLE sales_order ADD COLUMN cost numeric(14, 2) NOT NULL DEFAULT 0")
        execute("ALTER TABLE sales_order ADD COLUMN lines_without_cost integer NOT NULL DEFAULT 0")
        execute("ALTER TABLE sales_orderline ADD COLUMN unit_cost numeric(12, 2) NULL")

        product = make_product(list_price="100.00")
        buyer, other = make_customer(owner=users.a_sales), make_customer(owner=users.a_sales, province="广东")
        signed = local_at(days_from_today(-6), 0, 30)
        order = make_order(customer=buyer, owner=users.a_sales, lines=[(product, 1, "100.00")], signed_at=signed)
        old = make_order(
            customer=other,
            owner=users.a_sales,
            lines=[(product, 1, "100.00")],
            signed_at=local_at(days_from_today(-30), 12),
        )
        paid = local_at(days_from_today(-2), 18)
        Payment.objects.create(
            order=order, kind="collection", amount=Decimal("100"), method="cash", status="confirmed", confirmed_at=paid
        )
        Customer.objects.filter(pk=other.pk).update(province="浙江")
        FollowUp.objects.create(customer=other, author=users.a_sales, kind="call", content="x", created_at=paid)
        pending_days = rows("SELECT day FROM kanban_rollupdirtyday")
        pending_customers = rows("SELECT customer_id FROM kanban_rollupdirtycustomer")
        execute("ALTER TABLE customers_customer DROP COLUMN erased_at")
        execute("ALTER TABLE sales_order DROP COLUMN cost, DROP COLUMN lines_without_cost")
        execute("ALTER TABLE sales_orderline DROP COLUMN unit_cost")

        migrate(latest())

        assert pending_days == {utc_day(signed), utc_day(paid), utc_day(old.signed_at)}
        assert pending_customers == {buyer.pk, other.pk}
        assert take("sales_reporting_changedday") == pending_days
        assert take("sales_reporting_changedcustomer") == pending_customers
        assert take("finance_reporting_changedday") | take("customers_reporting_changedday") == set()
        assert take("customers_reporting_changedcustomer") == set()
        assert {name for name in rows(TRIGGERS) if name.startswith("kanban")} == set()
        assert {name for name in rows(FUNCTIONS) if name.startswith("kanban")} == set()
        assert {"kanban_rollupdirtyday", "kanban_rollupdirtycustomer"} & rows(TABLES) == set()

        Order.objects.filter(pk=order.pk).update(rating=4)
        assert take("sales_reporting_changedcustomer") == {buyer.pk}
