"""Work after a commit runs in the store that registered it, even when the transaction went on in
another store (the demo seeder makes every store in one transaction). Real commits."""

from __future__ import annotations

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from shared_apps.platform.commits import after_commit
from tenants.models import Store
from tests.conftest import STORE_A, STORE_B


def test_work_after_a_commit_runs_in_the_store_that_registered_it(committed_db):
    store_a = Store.objects.get(subdomain=STORE_A["subdomain"])
    store_b = Store.objects.get(subdomain=STORE_B["subdomain"])
    seen: list[tuple[str, str]] = []

    def record(label: str):
        return lambda: seen.append((label, connection.schema_name, getattr(connection.tenant, "schema_name", "")))

    with transaction.atomic():
        with tenant_context(store_a):
            after_commit(record("a"))
        with tenant_context(store_b):
            after_commit(record("b"))
        after_commit(record("public"))
        assert seen == []
    assert seen == [
        ("a", store_a.schema_name, store_a.schema_name),
        ("b", store_b.schema_name, store_b.schema_name),
        ("public", "public", "public"),
    ]
    assert connection.schema_name == "public"  # and the connection is back where it was


def test_in_the_same_store_it_runs_at_once_after_the_commit(committed_db):
    store_a = Store.objects.get(subdomain=STORE_A["subdomain"])
    seen: list[str] = []
    with tenant_context(store_a):
        with transaction.atomic():
            after_commit(lambda: seen.append(connection.schema_name))
        assert seen == [store_a.schema_name]
