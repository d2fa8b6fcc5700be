"""The job registry, ``run_job`` and the Celery dispatcher."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.platform import jobs
from shared_apps.platform.tasks import dispatch_job, run_global_job, run_store_job
from tenants.models import Store
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def recorder():
    """Registers ``test.record`` (per store) and ``test.record_global``; yields the calls they saw."""
    calls: list[tuple[str, datetime]] = []

    def record(*, at):
        calls.append((connection.schema_name, at))
        return {"seen": connection.schema_name}

    jobs.job(name="test.record", per_store=True, schedule=timedelta(minutes=5), description="records")(record)
    jobs.job(name="test.record_global", per_store=False, description="records globally")(record)
    yield calls
    jobs._registry.pop("test.record", None)
    jobs._registry.pop("test.record_global", None)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("run_job", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_names_every_registered_job_with_scope_and_schedule():
    out, _err = run("--list")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert {
        "notifications.purge_read",
        "tenants.refill_spares",
        "accounts.purge_expired_tokens",
        "axes.cleanup",
    } <= set(lines)
    assert "per store" in lines["notifications.purge_read"] and "cron 30 3 * * *" in lines["notifications.purge_read"]
    assert "global" in lines["tenants.refill_spares"] and "every 15 min" in lines["tenants.refill_spares"]


def test_run_job_runs_a_per_store_job_in_every_active_store(recorder, store_a, store_b):
    out, _err = run("test.record")
    assert sorted(schema for schema, _at in recorder) == sorted([store_a.schema_name, store_b.schema_name])
    assert f"alpha: seen={store_a.schema_name}" in out
    assert f"bravo: seen={store_b.schema_name}" in out


def test_run_job_skips_suspended_stores(recorder, store_a, store_b):
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)
    run("test.record")
    assert [schema for schema, _at in recorder] == [store_a.schema_name]


def test_run_job_for_one_store(recorder, store_b):
    out, _err = run("test.record", "--store", "bravo")
    assert [schema for schema, _at in recorder] == [store_b.schema_name]
    assert "alpha" not in out


def test_run_job_runs_a_global_job_once_in_the_public_schema(recorder):
    out, _err = run("test.record_global")
    assert [schema for schema, _at in recorder] == ["public"]
    assert "(global): seen=public" in out


def test_unknown_job_is_a_command_error():
    with pytest.raises(CommandError, match=r"Unknown job 'no\.such\.job'"):
        run("no.such.job")


def test_unknown_store_is_a_command_error(recorder):
    with pytest.raises(CommandError, match="Unknown store 'zulu'"):
        run("test.record", "--store", "zulu")
    assert recorder == []


def test_suspended_store_is_a_command_error(recorder, store_b):
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)
    with pytest.raises(CommandError, match="suspended"):
        run("test.record", "--store", "bravo")


def test_store_option_on_a_global_job_is_a_command_error(recorder):
    with pytest.raises(CommandError, match="global"):
        run("test.record_global", "--store", "alpha")


def test_missing_job_name_is_a_command_error():
    with pytest.raises(CommandError):
        run()


def test_bad_at_is_a_command_error(recorder):
    with pytest.raises(CommandError, match="ISO 8601"):
        run("test.record", "--at", "next tuesday")
    assert recorder == []


def test_at_with_an_offset_is_used_as_given(recorder):
    run("test.record_global", "--at", "2025-03-01T09:00:00+02:00")
    assert recorder[0][1] == datetime(2025, 3, 1, 7, 0, tzinfo=UTC)


def test_naive_at_is_read_in_the_project_time_zone(recorder):
    run("test.record_global", "--at", "2025-03-01T09:00")
    assert recorder[0][1] == datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)


def test_at_accepts_z_and_a_bare_date():
    assert jobs.parse_at("2025-03-01T01:00:00Z") == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    assert jobs.parse_at("2025-03-01") == datetime(2025, 3, 1, 0, 0, tzinfo=SHANGHAI)


def test_without_at_the_job_runs_at_now(recorder):
    with time_machine.travel(datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC), tick=False):
        run("test.record_global")
    assert recorder[0][1] == datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)


def test_one_failing_store_does_not_stop_the_others(store_a, store_b):
    seen = []

    def flaky(*, at):
        if connection.schema_name == store_a.schema_name:
            raise RuntimeError("boom")
        seen.append(connection.schema_name)

    jobs.job(name="test.flaky", per_store=True)(flaky)
    try:
        with pytest.raises(CommandError, match="1 of 2 runs failed"):
            out, err = StringIO(), StringIO()
            call_command("run_job", "test.flaky", stdout=out, stderr=err)
        assert seen == [store_b.schema_name]
        assert "alpha: failed: RuntimeError: boom" in err.getvalue()
        assert "bravo: ok" in out.getvalue()
    finally:
        jobs._registry.pop("test.flaky", None)


def test_registering_two_functions_under_one_name_is_refused(recorder):
    from django.core.exceptions import ImproperlyConfigured

    def other(*, at):
        return None

    with pytest.raises(ImproperlyConfigured):
        jobs.job(name="test.record", per_store=True)(other)


# --- Celery -----------------------------------------------------------------------------------


def test_dispatcher_runs_one_task_per_active_store_in_its_schema(recorder, store_a, store_b):
    sent = dispatch_job.delay("test.record", "2025-03-01T09:00:00+08:00").get()
    assert sent == 2
    assert sorted(schema for schema, _at in recorder) == sorted([store_a.schema_name, store_b.schema_name])
    assert {at for _schema, at in recorder} == {datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)}


def test_dispatcher_sends_nothing_for_suspended_stores(recorder, store_a, store_b, monkeypatch):
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)
    sent_to = []
    original = run_store_job.apply_async

    def spy(*args, **kwargs):
        sent_to.append(connection.schema_name)
        return original(*args, **kwargs)

    monkeypatch.setattr(run_store_job, "apply_async", spy)
    assert dispatch_job.delay("test.record").get() == 1
    assert sent_to == [store_a.schema_name]
    assert [schema for schema, _at in recorder] == [store_a.schema_name]


def test_dispatcher_fixes_one_now_for_every_store(recorder, store_a, store_b):
    with time_machine.travel(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), tick=False):
        dispatch_job.delay("test.record")
    assert {at for _schema, at in recorder} == {datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}


def test_dispatcher_runs_a_global_job_once_in_public(recorder, store_a):
    assert dispatch_job.delay("test.record_global").get() == 1
    assert [schema for schema, _at in recorder] == ["public"]


def test_store_task_runs_in_the_schema_named_by_its_header(recorder, store_b):
    """tenant-schemas-celery: the schema travels with the message, not with the worker's state."""
    assert connection.schema_name == "public"
    run_store_job.apply_async(args=["test.record", timezone.now().isoformat()], headers={"_schema_name": "s_bravo"})
    assert [schema for schema, _at in recorder] == [store_b.schema_name]


def test_store_task_sent_from_the_public_schema_fails(recorder):
    with pytest.raises(RuntimeError, match="without a store schema"):
        run_store_job.delay("test.record", timezone.now().isoformat())
    assert recorder == []


def test_beat_schedule_dispatches_every_scheduled_job(recorder):
    schedule = jobs.beat_schedule()
    entry = schedule["job:notifications.purge_read"]
    assert entry["task"] == "platform.dispatch_job"
    assert entry["args"] == ("notifications.purge_read",)
    assert isinstance(entry["schedule"], crontab)
    assert schedule["job:test.record"]["schedule"] == timedelta(minutes=5)
    assert "job:test.record_global" not in schedule  # no schedule: run by hand only


def test_celery_app_carries_the_beat_schedule():
    from config.celery import app

    app.finalize()
    assert app.conf.beat_schedule["job:tenants.refill_spares"]["task"] == "platform.dispatch_job"


@pytest.mark.parametrize(("batch", "queue"), [(True, "batch"), (False, "celery")])
def test_dispatcher_sends_each_run_to_the_jobs_queue(store_a, store_b, monkeypatch, batch, queue):
    jobs.job(name="test.queued", per_store=True, description="queued", batch=batch)(lambda *, at: None)
    jobs.job(name="test.queued_global", per_store=False, description="queued", batch=batch)(lambda *, at: None)
    sent = []
    for task in (run_store_job, run_global_job):
        original = task.apply_async

        def spy(*args, _original=original, **kwargs):
            sent.append(kwargs.get("queue"))
            return _original(*args, **kwargs)

        monkeypatch.setattr(task, "apply_async", spy)
    try:
        dispatch_job.delay("test.queued").get()
        dispatch_job.delay("test.queued_global").get()
    finally:
        jobs._registry.pop("test.queued", None)
        jobs._registry.pop("test.queued_global", None)
    assert sent == [queue] * 3


@pytest.fixture
def probed(store_a, store_b):
    """``test.probed``: a per-store job sent only where its store's settings row says 9 days."""
    jobs.job(
        name="test.probed",
        per_store=True,
        schedule=timedelta(seconds=10),
        due=lambda schema, store: (
            f"EXISTS (SELECT 1 FROM {schema}.workspace_storesettings WHERE return_visit_window_days = 9)"
        ),
    )(lambda *, at: None)
    yield "test.probed"
    jobs._registry.pop("test.probed", None)


def _window(store, days: int) -> None:
    from tenant_apps.workspace.models import StoreSettings

    with tenant_context(store):
        settings_row = StoreSettings.objects.first() or StoreSettings.objects.create()
        StoreSettings.objects.filter(pk=settings_row.pk).update(return_visit_window_days=days)


def test_a_job_with_a_probe_goes_only_where_its_expression_is_true(probed, store_a, store_b):
    _window(store_a, 7)
    _window(store_b, 7)
    assert dispatched(probed) == []
    _window(store_b, 9)
    assert dispatched(probed) == [store_b.schema_name]
    _window(store_a, 9)
    assert dispatched(probed) == sorted([store_a.schema_name, store_b.schema_name])


def test_the_probe_reads_stores_in_chunks_with_the_same_outcome(probed, store_a, store_b, monkeypatch):
    _window(store_a, 9)
    _window(store_b, 7)
    monkeypatch.setattr(jobs, "PROBE_CHUNK", 1)
    assert dispatched(probed) == [store_a.schema_name]


def test_a_probe_that_fails_sends_the_job_everywhere(store_a, store_b):
    jobs.job(
        name="test.broken_probe",
        per_store=True,
        due=lambda schema, store: f"EXISTS (SELECT 1 FROM {schema}.no_such_table)",
    )(lambda *, at: None)
    try:
        assert dispatched("test.broken_probe") == sorted([store_a.schema_name, store_b.schema_name])
        assert Store.objects.count() >= 2  # the failed statement left the connection usable
    finally:
        jobs._registry.pop("test.broken_probe", None)


def test_the_probe_is_given_the_jobs_time(store_a, store_b):
    def due(schema, store):
        return f"%(at)s::timestamptz = '2026-03-01T09:00:00+00:00'::timestamptz AND {store.pk} = {store_a.pk}"

    jobs.job(name="test.timed_probe", per_store=True, due=due)(lambda *, at: None)
    try:
        assert dispatched("test.timed_probe", "2026-03-01T09:00:00+00:00") == [store_a.schema_name]
        assert dispatched("test.timed_probe", "2026-03-01T09:00:01+00:00") == []
    finally:
        jobs._registry.pop("test.timed_probe", None)


def test_only_a_per_store_job_can_have_a_probe_and_an_idle_hook_needs_one():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="only a per-store job"):
        jobs.job(name="test.global_probe", per_store=False, due=lambda schema, store: "TRUE")(lambda *, at: None)
    with pytest.raises(ImproperlyConfigured, match="needs a due probe"):
        jobs.job(name="test.idle_only", per_store=True, idle=lambda stores, at: [])(lambda *, at: None)


def test_the_frequent_jobs_are_sent_only_where_they_have_work():
    probed = (
        "outbox.consume",
        "hq.rollup",
        "webhooks.deliver",
        "notifications.send_digests",
        "leads.reassign_unanswered",
        "leads.distribute_queue",
        "handover.redispatch_stale",
        "imports.redispatch_stale",
        "customers.follow_up_reminders",
        "pool.return_deadline",
    )
    for name in probed:
        assert jobs.get_job(name).due is not None, name
    # their work depends on the store's policies or on Python logic: sent everywhere
    for name in ("pool.release", "automation.run_schedules"):
        assert jobs.get_job(name).due is None, name
    assert jobs.get_job("hq.rollup").idle is not None  # idle stores' feeds record it


def test_other_jobs_run_in_every_store_at_every_dispatch(recorder, store_a, store_b):
    for _ in range(2):
        recorder.clear()
        dispatch_job.delay("test.record").get()
        assert sorted(schema for schema, _at in recorder) == sorted([store_a.schema_name, store_b.schema_name])
