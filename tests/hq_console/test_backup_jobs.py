"""``backups.daily``: each store in its own hour of the night window, once a night, old backups
dropped after the retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hq_console import backups
from hq_console.models import StoreBackup
from shared_apps.platform import jobs
from tests.dates import days_from_today, local_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup_root(tmp_path, settings):
    settings.BACKUP_ROOT = tmp_path / "backups"
    settings.BACKUP_WINDOW_START_HOUR = 1
    settings.BACKUP_WINDOW_HOURS = 4
    settings.BACKUP_RETENTION_DAYS = 14
    return settings.BACKUP_ROOT


def _daily(store, at):
    run = jobs.run_in_store(jobs.get_job("backups.daily"), store=store, at=at, propagate=True)
    return run.result


def test_daily_backup_waits_for_the_stores_hour_then_runs_once(store_a, store_b, backup_root, monkeypatch):
    monkeypatch.setattr(backups, "night_slot", lambda subdomain, hours: 2)
    day = days_from_today(-1, store_a)

    assert "skipped" in _daily(store_a, local_at(day, 1, 5, store_a))
    assert not StoreBackup.objects.exists()

    taken = _daily(store_a, local_at(day, 3, 5, store_a))
    assert taken["size"] > 0
    assert _daily(store_a, local_at(day, 4, 5, store_a))["skipped"] == "taken already"
    assert list(StoreBackup.objects.values_list("store__subdomain", "kind", "status")) == [("alpha", "daily", "ready")]


def test_backups_older_than_the_retention_are_dropped(store_a, store_b, backup_root, monkeypatch):
    monkeypatch.setattr(backups, "night_slot", lambda subdomain, hours: 0)
    day = days_from_today(-1, store_a)
    at = local_at(day, 1, 5, store_a)
    old = backups.take_backup(store=store_a, kind=StoreBackup.Kind.DAILY, at=at - timedelta(days=15))
    kept = backups.take_backup(store=store_a, kind=StoreBackup.Kind.DAILY, at=at - timedelta(days=13))
    neighbour = backups.take_backup(store=store_b, kind=StoreBackup.Kind.DAILY, at=at - timedelta(days=15))
    assert (backup_root / old.location).is_dir()

    result = _daily(store_a, at)

    assert result["purged"] == 1
    assert not StoreBackup.objects.filter(pk=old.pk).exists()
    assert not (backup_root / old.location).exists()
    assert StoreBackup.objects.filter(pk__in=[kept.pk, neighbour.pk]).count() == 2
