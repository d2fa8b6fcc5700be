"""HQ backup and restore endpoints: a backup taken on the worker, listed for the store; restores
refused before anything starts when the backup is of another store."""

from __future__ import annotations

import uuid

import pytest

from hq_console.models import StoreBackup, StoreRestore

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def backup_root(tmp_path, settings):
    settings.BACKUP_ROOT = tmp_path / "backups"
    return settings.BACKUP_ROOT


def test_hq_admin_takes_a_backup_now_and_sees_it_listed(
    api, users, store_a, store_b, backup_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/backups")
    assert response.status_code == 202, response.content
    backup_id = response.json()["id"]

    listed = api(users.hq_exec, None).get(f"/api/v1/hq/stores/{store_a.pk}/backups").json()["results"]
    assert [(row["id"], row["kind"], row["status"]) for row in listed] == [(backup_id, "manual", "ready")]
    assert listed[0]["size"] > 0 and listed[0]["taken_at"]
    backup = StoreBackup.objects.get(pk=backup_id)
    assert (backup_root / backup.location / "schema.dump").stat().st_size > 0
    assert api(users.hq_exec, None).get(f"/api/v1/hq/stores/{store_b.pk}/backups").json()["results"] == []


def test_hq_executives_and_store_users_cannot_take_backups(api, users, store_a, backup_root):
    assert api(users.hq_exec, None).post(f"/api/v1/hq/stores/{store_a.pk}/backups").status_code == 403
    assert api(users.a_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/backups").status_code == 403
    assert not StoreBackup.objects.exists()


def test_restoring_one_stores_backup_into_another_without_a_new_subdomain_is_refused(
    api, users, store_a, store_b, backup_root
):
    backup = StoreBackup.objects.create(
        store=store_a,
        subdomain=store_a.subdomain,
        schema_name=store_a.schema_name,
        status=StoreBackup.Status.READY,
        taken_at="2026-01-01T00:00:00Z",
    )
    response = api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_b.pk}/restore", {"backup": str(backup.pk)})
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "backup_store_mismatch"
    assert not StoreRestore.objects.exists()


def test_restoring_an_unknown_backup_is_400(api, users, store_a, backup_root):
    response = api(users.hq_admin, None).post(f"/api/v1/hq/stores/{store_a.pk}/restore", {"backup": str(uuid.uuid4())})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert not StoreRestore.objects.exists()


def test_a_restore_answers_202_with_a_status_url(api, users, store_a, backup_root, monkeypatch):
    from hq_console import tasks

    monkeypatch.setattr(tasks.run_restore_task, "delay", lambda restore_id: None)
    backup = StoreBackup.objects.create(
        store=store_a,
        subdomain=store_a.subdomain,
        schema_name=store_a.schema_name,
        status=StoreBackup.Status.READY,
        taken_at="2026-01-01T00:00:00Z",
    )
    response = api(users.hq_admin, None).post(
        f"/api/v1/hq/stores/{store_a.pk}/restore", {"backup": str(backup.pk), "as_subdomain": "alpha-sandbox"}
    )
    assert response.status_code == 202, response.content
    status_url = response.json()["status_url"]
    polled = api(users.hq_exec, None).get(status_url)
    assert polled.status_code == 200, polled.content
    assert (polled.json()["status"], polled.json()["as_subdomain"]) == ("running", "alpha-sandbox")


def test_the_store_page_shows_its_backups(page_client, users, store_a, backup_root):
    StoreBackup.objects.create(
        store=store_a,
        subdomain=store_a.subdomain,
        schema_name=store_a.schema_name,
        status=StoreBackup.Status.READY,
        size=2048,
        taken_at="2026-01-01T00:00:00Z",
    )
    response = page_client(users.hq_exec, None).get(f"/stores/{store_a.pk}/manage/")
    assert response.status_code == 200
    assert b'data-testid="backups"' in response.content and b"2.0\xc2\xa0KB" in response.content
