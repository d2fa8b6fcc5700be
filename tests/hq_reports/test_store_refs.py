"""The dashboard's store list (``dashboard.store_refs``): read again exactly when a listed row changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hq_reports import dashboard, selectors
from tenants.models import Store, Subsidiary

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    """Three stores as rows of the public schema (no schema of their own), in one subsidiary."""
    dashboard._held_refs.clear()
    subsidiary = Subsidiary.objects.create(name="Refs subsidiary", code="refs-sub")
    stores = Store.objects.bulk_create(
        [
            Store(schema_name=f"refs_{i}", name=f"Refs {i}", subdomain=f"refs-{i}", subsidiary=subsidiary)
            for i in range(3)
        ]
    )
    yield subsidiary, stores
    dashboard._held_refs.clear()


def _refs(subsidiary):
    return dashboard.store_refs(selectors.store_list().filter(subsidiary=subsidiary))


def _reads_rows(subsidiary) -> bool:
    """Whether a call read the store rows themselves (beyond the fingerprint)."""
    with CaptureQueriesContext(connection) as queries:
        _refs(subsidiary)
    return any("md5" not in q["sql"] and "search_path" not in q["sql"] for q in queries.captured_queries)


def test_an_unchanged_list_is_not_read_again_and_equals_a_fresh_read(listed):
    subsidiary, _stores = listed
    first = _refs(subsidiary)
    assert not _reads_rows(subsidiary)
    assert _refs(subsidiary) == first
    assert [ref.name for ref in first] == ["Refs 0", "Refs 1", "Refs 2"]
    fresh = list(selectors.store_list().filter(subsidiary=subsidiary).values_list(*dashboard._REF_FIELDS))
    assert [tuple(ref) for ref in first] == fresh


@pytest.mark.parametrize(
    "change",
    [
        lambda sub, stores: Store.objects.filter(pk=stores[1].pk).update(name="Renamed"),
        lambda sub, stores: Store.objects.filter(pk=stores[0].pk).update(timezone="America/Bogota"),
        lambda sub, stores: Store.objects.filter(pk=stores[2].pk).update(status=Store.Status.SUSPENDED),
        lambda sub, stores: Subsidiary.objects.filter(pk=sub.pk).update(name="Renamed subsidiary"),
        lambda sub, stores: Store.objects.filter(pk=stores[2].pk).delete(),
        lambda sub, stores: Store.objects.create(
            schema_name="refs_9", name="Refs 9", subdomain="refs-9", subsidiary=sub
        ),
    ],
    ids=["renamed", "zone", "suspended", "subsidiary-renamed", "removed", "added"],
)
def test_a_changed_row_is_read_at_once(listed, change):
    subsidiary, stores = listed
    _refs(subsidiary)
    change(subsidiary, stores)
    assert _reads_rows(subsidiary)
    fresh = list(selectors.store_list().filter(subsidiary=subsidiary).values_list(*dashboard._REF_FIELDS))
    assert [tuple(ref) for ref in _refs(subsidiary)] == fresh
    assert not _reads_rows(subsidiary)


def test_a_caller_changing_its_list_does_not_change_the_next_one(listed):
    subsidiary, _stores = listed
    _refs(subsidiary).clear()
    assert len(_refs(subsidiary)) == 3
