"""A store's export and closing: read-only at once with a final backup, reopened within the grace
period, its schema dropped after it."""

from __future__ import annotations

import io
import tarfile
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_exists

from hq_console import lifecycle
from hq_console.models import StoreBackup, StoreClosure
from tenants.models import Domain, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup_root(tmp_path, settings):
    settings.BACKUP_ROOT = tmp_path / "backups"
    settings.STORE_CLOSE_GRACE_DAYS = 30
    return settings.BACKUP_ROOT


def test_closing_makes_the_store_read_only_at_once_with_a_final_backup(api, users, store_a, backup_root):
    response = api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/close")
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "closed"

    store = Store.objects.get(pk=store_a.pk)
    assert store.status == Store.Status.READ_ONLY
    final = StoreBackup.objects.get(store=store, kind=StoreBackup.Kind.FINAL)
    assert final.status == StoreBackup.Status.READY and final.size > 0
    write = api(users.a_admin, store).post("/api/v1/channels", {"name": "S", "platform": "tmall", "code": "t9"})
    assert (write.status_code, write.json()["code"]) == (423, "tenant_read_only")

    again = api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/close")
    assert again.status_code == 409


def test_a_closed_store_can_be_reopened_before_the_drop(api, users, store_a, backup_root):
    lifecycle.close_store(store=store_a)
    response = api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/reopen")
    assert response.status_code == 200, response.content
    assert Store.objects.get(pk=store_a.pk).status == Store.Status.ACTIVE
    assert StoreClosure.objects.get(store=store_a).stage == StoreClosure.Stage.REOPENED
    assert api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/reopen").status_code == 409


def test_the_schema_is_dropped_only_after_the_grace_period(store_a, store_b, backup_root):
    closed_at = timezone.now()
    closure = lifecycle.close_store(store=store_a, at=closed_at)

    assert lifecycle.drop_closed(at=closed_at + timedelta(days=29)) == 0
    assert schema_exists(store_a.schema_name)

    assert lifecycle.drop_closed(at=closed_at + timedelta(days=31)) == 1
    assert not schema_exists(store_a.schema_name)
    assert schema_exists(store_b.schema_name)
    assert Store.objects.get(pk=store_a.pk).status == Store.Status.SUSPENDED
    assert not Domain.objects.filter(tenant=store_a).exists()
    closure.refresh_from_db()
    assert closure.stage == StoreClosure.Stage.DROPPED
    assert StoreBackup.objects.get(pk=closure.final_backup_id).status == StoreBackup.Status.READY
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.reopen_store(store=store_a)


def test_export_gives_one_archive_of_data_files_and_manifest(
    api, users, store_a, backup_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/export")
    assert response.status_code == 202, response.content
    status = api(users.hq_exec, None).get(response.json()["status_url"]).json()
    assert status["status"] == "ready"

    archive = api(users.hq_exec, None).get(status["archive_url"])
    assert archive.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(b"".join(archive.streaming_content))) as tar:
        assert sorted(tar.getnames()) == ["manifest.json", "media.tar", "schema.dump"]
        assert tar.extractfile("schema.dump").read(5) == b"PGDMP"


def test_the_store_page_shows_the_closing_stage(page_client, users, store_a, backup_root):
    lifecycle.close_store(store=store_a)
    response = page_client(users.hq_exec, None).get(f"/stores/{store_a.pk}/manage/")
    assert response.status_code == 200
    assert b'data-closure="closed"' in response.content
