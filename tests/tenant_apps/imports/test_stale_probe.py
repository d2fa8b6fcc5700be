"""Beat sends the re-dispatch of stale imports only to the stores with an import left waiting, or
running without progress, for too long."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.imports import services
from tenant_apps.imports.models import ImportJob
from tenant_apps.imports.services import running
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db

TICK = timedelta(microseconds=1)


def sent(at: datetime) -> list[str]:
    return dispatched("imports.redispatch_stale", at.isoformat())


def an_import(store, users, in_store, **fields) -> ImportJob:
    with in_store(store):
        job = ImportJob.objects.create(
            kind="customers", file="x.csv", original_name="x.csv", created_by_id=users.a_admin.pk
        )
        if fields:
            ImportJob.objects.filter(pk=job.pk).update(**fields)
            job.refresh_from_db()
        return job


@pytest.fixture
def resent(monkeypatch):
    """The imports the job sends again, as (schema, id); no task is sent."""
    found = []
    monkeypatch.setattr(running, "_send_task", lambda *, schema, job_id: found.append((schema, job_id)))
    return found


def run(store, at: datetime) -> dict:
    outcome = run_in_store(get_job("imports.redispatch_stale"), store=store, at=at, propagate=True)
    assert outcome.ok, outcome.error
    return outcome.result


def test_a_waiting_import_is_sent_once_it_waited_longer_than_the_limit(store_a, store_b, users, in_store, resent):
    waiting = an_import(store_b, users, in_store)
    stale = waiting.created_at + services.STALE_AFTER

    assert sent(waiting.created_at) == []
    assert sent(stale) == []  # the job's own limit: strictly older
    assert run(store_b, stale) == {"redispatched": 0}
    assert sent(stale + TICK) == [store_b.schema_name]
    assert run(store_b, stale + TICK) == {"redispatched": 1}
    assert resent == [(store_b.schema_name, waiting.pk)]


def test_a_running_import_is_sent_once_it_made_no_progress_for_longer_than_the_limit(
    store_a, store_b, users, in_store, resent
):
    started = timezone.now() - timedelta(hours=1)
    progress = started + timedelta(minutes=20)
    job = an_import(store_a, users, in_store, status=ImportJob.Status.RUNNING, started_at=started, progress_at=progress)
    stale = progress + services.STALE_AFTER

    assert sent(stale) == []
    assert sent(stale + TICK) == [store_a.schema_name]
    assert run(store_a, stale + TICK) == {"redispatched": 1}
    assert resent == [(store_a.schema_name, job.pk)]


def test_a_running_import_without_progress_counts_from_its_start(store_a, store_b, users, in_store, resent):
    started = timezone.now() - timedelta(hours=1)
    job = an_import(store_a, users, in_store, status=ImportJob.Status.RUNNING, started_at=started)
    stale = started + services.STALE_AFTER

    assert sent(stale) == []
    assert sent(stale + TICK) == [store_a.schema_name]
    assert run(store_a, stale + TICK) == {"redispatched": 1}
    assert resent == [(store_a.schema_name, job.pk)]


def test_finished_imports_are_never_stale(store_a, store_b, users, in_store):
    long_ago = timezone.now() - timedelta(days=1)
    an_import(store_a, users, in_store, status=ImportJob.Status.DONE, started_at=long_ago, progress_at=long_ago)
    an_import(store_b, users, in_store, status=ImportJob.Status.FAILED, started_at=long_ago)
    assert sent(timezone.now()) == []
