"""A long job left ``running`` by a dead worker (or ``pending`` with its message lost) is sent again
by the periodic job ``imports.redispatch_stale``; the resumed run finishes the job exactly once,
and running the periodic job again changes nothing. The same against a real Redis broker when one
answers at 127.0.0.1:6379."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.imports import services
from tenant_apps.imports.models import ImportJob
from tenant_apps.imports.services import running
from tests.factories import access_of
from tests.tenant_apps.imports.conftest import csv_stream
from tests.tenant_apps.imports.test_resume import TEXT, crashed_job, customer_names  # noqa: F401 - a fixture

NAMES = ["R2", "R3", "R4", "R6", "R7"]


def _redispatch(store, at):
    run = run_in_store(get_job("imports.redispatch_stale"), store=store, at=at, propagate=True)
    assert run.ok, run.error
    return run.result


def test_a_job_left_running_by_a_dead_worker_is_finished_once(crashed_job, store_a, in_store):  # noqa: F811
    later = timezone.now() + services.STALE_AFTER + timedelta(minutes=1)

    with time_machine.travel(later, tick=False):
        first = _redispatch(store_a, later)
        second = _redispatch(store_a, later)

    with in_store(store_a):
        job = ImportJob.objects.get(pk=crashed_job.pk)
    assert first == {"redispatched": 1}
    assert second == {"redispatched": 0}
    assert (job.status, job.processed_rows) == ("done", 7)
    assert job.outcome_counts == {"created": 5, "invalid": 1, "duplicate": 1}
    assert customer_names(in_store, store_a) == NAMES


def test_a_running_job_that_still_progresses_is_left_alone(crashed_job, store_a, in_store):  # noqa: F811
    soon = timezone.now() + timedelta(minutes=1)

    assert _redispatch(store_a, soon) == {"redispatched": 0}
    with in_store(store_a):
        assert ImportJob.objects.get(pk=crashed_job.pk).status == "running"


def test_a_pending_job_whose_message_was_lost_is_sent_again(
    users, store_a, in_store, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(running, "SYNC_MAX_ROWS", 0)
    # the task message never reached a worker
    with in_store(store_a), django_capture_on_commit_callbacks(execute=False):
        job = services.import_start(
            kind="customers", file=csv_stream(TEXT), options={}, access=access_of(users.a_sales)
        )
    later = timezone.now() + services.STALE_AFTER + timedelta(minutes=1)

    with time_machine.travel(later, tick=False):
        assert _redispatch(store_a, later) == {"redispatched": 1}

    with in_store(store_a):
        assert ImportJob.objects.get(pk=job.pk).status == "done"
    assert customer_names(in_store, store_a) == NAMES


def test_the_redispatch_job_is_on_beat_s_schedule():
    job = get_job("imports.redispatch_stale")
    assert job.per_store and job.schedule is not None


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_broker():
    """Celery sends to a real Redis (database 15, emptied) instead of running tasks inline."""
    from kombu import Connection

    from config.celery import app

    url = "redis://127.0.0.1:6379/15"
    with Connection(url) as connection:
        connection.default_channel.client.flushdb()
    saved = (app.conf.broker_url, app._pool, app.amqp._producer_pool, app.conf.task_always_eager)
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    yield url
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.broker_url, app._pool, app.amqp._producer_pool, app.conf.task_always_eager = saved


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_redispatch_sends_the_task_through_a_real_redis_broker(crashed_job, store_a, in_store, redis_broker):  # noqa: F811
    """The periodic job publishes the task to Redis with the store's schema; the worker that takes
    it (here: this process, from the message) resumes the job exactly once, twice delivered or not."""
    from kombu import Connection

    later = timezone.now() + services.STALE_AFTER + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert _redispatch(store_a, later) == {"redispatched": 1}
    with Connection(redis_broker) as connection:
        queue = connection.SimpleQueue("celery")
        message = queue.get(block=True, timeout=5)
        message.ack()
        queue.close()

    assert message.headers["task"] == "imports.run"
    assert message.headers.get("_schema_name") == store_a.schema_name
    job_id = message.payload[0][0]
    assert job_id == crashed_job.pk
    with time_machine.travel(later, tick=False), in_store(store_a):
        services.import_run(job_id=job_id)
        services.import_run(job_id=job_id, redelivered=True)
        job = ImportJob.objects.get(pk=crashed_job.pk)
    assert (job.status, job.processed_rows) == ("done", 7)
    assert customer_names(in_store, store_a) == NAMES
