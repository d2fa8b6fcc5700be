"""``store_backup`` and ``store_restore``: the operator's commands of api.md."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hq_console.models import StoreBackup, StoreRestore

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup_root(tmp_path, settings):
    settings.BACKUP_ROOT = tmp_path / "backups"
    return settings.BACKUP_ROOT


def test_store_backup_writes_a_store_and_the_public_schema_under_backup_root(store_a, backup_root):
    out = StringIO()
    call_command("store_backup", "--store", "alpha", "--public", stdout=out)
    backups = {b.schema_name: b for b in StoreBackup.objects.all()}
    assert set(backups) == {store_a.schema_name, "public"}
    for backup in backups.values():
        assert backup.status == StoreBackup.Status.READY
        assert (backup_root / backup.location / "schema.dump").stat().st_size == backup.manifest["files"][
            "schema.dump"
        ]["size"]
        assert str(backup.pk) in out.getvalue()
    assert backups["public"].location.startswith("_public/")


def test_store_restore_refuses_another_stores_backup_without_as(store_a, store_b, backup_root):
    call_command("store_backup", "--store", "alpha", stdout=StringIO())
    backup = StoreBackup.objects.get()
    with pytest.raises(CommandError, match="refused"):
        call_command("store_restore", "--store", "bravo", "--backup", str(backup.pk), stdout=StringIO())
    assert not StoreRestore.objects.exists()
    assert not StoreBackup.objects.filter(kind=StoreBackup.Kind.SAFETY).exists()


def test_store_restore_finds_a_backup_by_its_folder(store_a, backup_root):
    call_command("store_backup", "--store", "alpha", stdout=StringIO())
    backup = StoreBackup.objects.get()
    # Found (a reserved subdomain is what refuses it), not "No such backup".
    with pytest.raises(CommandError, match=r"refused: (?!No such backup)"):
        call_command(
            "store_restore",
            "--store",
            "alpha",
            "--backup",
            str(backup_root / backup.location),
            "--as",
            "www",
            stdout=StringIO(),
        )


def test_store_backup_needs_a_target(backup_root):
    with pytest.raises(CommandError, match="--store"):
        call_command("store_backup", stdout=StringIO())
