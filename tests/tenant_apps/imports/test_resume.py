"""A background import whose worker died is resumed after its last committed batch: by the broker's
redelivery of the task, or by any delivery once it made no progress for ten minutes; never twice
at once, and without repeating a customer or a report line."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tenant_apps.imports import services
from tenant_apps.imports.services import running
from tenant_apps.imports.tasks import run_import
from tests.factories import access_of
from tests.tenant_apps.imports.conftest import csv_stream

# Row 8 repeats the mobile number of row 2 (an earlier batch); row 5 is invalid.
TEXT = (
    "name,mobile\n"
    "R2,13800138002\n"
    "R3,13800138003\n"
    "R4,13800138004\n"
    ",13800138005\n"
    "R6,13800138006\n"
    "R7,13800138007\n"
    "R8,138 0013 8002\n"
)
EXPECTED = [
    ("2", "created"),
    ("3", "created"),
    ("4", "created"),
    ("5", "invalid"),
    ("6", "created"),
    ("7", "created"),
    ("8", "duplicate"),
]


class WorkerDied(BaseException):
    """The process running the import is gone (nothing of it catches this)."""


@pytest.fixture
def crashed_job(users, store_a, in_store, monkeypatch, django_capture_on_commit_callbacks):
    """A customers import whose run died after committing two batches of two rows (4 of 7 rows)."""
    monkeypatch.setattr(running, "SYNC_MAX_ROWS", 0)
    monkeypatch.setattr(running, "BATCH_ROWS", 2)
    real_run_batch = running._run_batch
    calls = []

    def die_at_the_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise WorkerDied
        return real_run_batch(*args, **kwargs)

    with in_store(store_a):
        with django_capture_on_commit_callbacks(execute=False):
            job = services.import_start(
                kind="customers", file=csv_stream(TEXT), options={}, access=access_of(users.a_sales)
            )
        monkeypatch.setattr(running, "_run_batch", die_at_the_third_batch)
        with pytest.raises(WorkerDied):
            services.import_run(job_id=job.pk)
        monkeypatch.setattr(running, "_run_batch", real_run_batch)
        job.refresh_from_db()
    assert (job.status, job.processed_rows, job.outcome_counts) == ("running", 4, {"created": 3, "invalid": 1})
    return job


def customer_names(in_store, store):
    from tenant_apps.customers.models import Customer

    with in_store(store):
        return sorted(Customer.objects.values_list("name", flat=True))


def report(in_store, store, job) -> list[tuple[str, str]]:
    from tenant_apps.imports.selectors import import_report_preview

    with in_store(store):
        job.refresh_from_db()
        return [(row["row"], row["outcome"]) for row in import_report_preview(job=job)]


def redeliver(job_id: int) -> None:
    """The task as a worker runs it when the broker delivers it again (``redelivered`` set)."""
    run_import.push_request(delivery_info={"redelivered": True})
    try:
        run_import.run(job_id)
    finally:
        run_import.pop_request()


def test_a_redelivered_task_resumes_after_the_last_committed_batch(crashed_job, store_a, in_store):
    with in_store(store_a):
        redeliver(crashed_job.pk)
        crashed_job.refresh_from_db()

    assert crashed_job.status == "done"
    assert crashed_job.processed_rows == 7
    assert crashed_job.outcome_counts == {"created": 5, "invalid": 1, "duplicate": 1}
    assert customer_names(in_store, store_a) == ["R2", "R3", "R4", "R6", "R7"]
    assert report(in_store, store_a, crashed_job) == EXPECTED


def test_the_report_of_a_resumed_job_has_each_row_once_with_its_cells(crashed_job, store_a, in_store):
    with in_store(store_a):
        redeliver(crashed_job.pk)
        crashed_job.refresh_from_db()
        with crashed_job.report.open("rb") as raw:
            lines = list(csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig")))

    assert [line[0] for line in lines[1:]] == ["2", "3", "4", "5", "6", "7", "8"]
    assert [line[4:] for line in lines[1:3]] == [["R2", "13800138002"], ["R3", "13800138003"]]
    assert "R2" in lines[7][2]  # the duplicate names the customer of row 2, made before the crash


def test_a_second_delivery_while_the_job_is_making_progress_does_nothing(crashed_job, store_a, in_store):
    with in_store(store_a):
        run_import(crashed_job.pk)  # an ordinary (not redelivered) delivery
        crashed_job.refresh_from_db()

    assert (crashed_job.status, crashed_job.processed_rows) == ("running", 4)
    assert customer_names(in_store, store_a) == ["R2", "R3", "R4"]


def test_a_job_without_progress_for_ten_minutes_is_resumed_by_any_delivery(crashed_job, store_a, in_store):
    with time_machine.travel(timezone.now() + timedelta(minutes=11)), in_store(store_a):
        run_import(crashed_job.pk)
        crashed_job.refresh_from_db()

    assert crashed_job.status == "done"
    assert customer_names(in_store, store_a) == ["R2", "R3", "R4", "R6", "R7"]
    assert report(in_store, store_a, crashed_job) == EXPECTED


def test_a_run_that_was_taken_over_stops_without_writing(crashed_job, store_a, in_store, monkeypatch):
    """The first run was only slow: a resumed run committed a batch meanwhile. The slow run's next
    batch finds the job moved on and stops; it neither writes its rows nor ends the job."""
    from tenant_apps.imports.models import ImportJob

    with in_store(store_a):
        ImportJob.objects.filter(pk=crashed_job.pk).update(processed_rows=6)  # the other run's batch
        real_run_batch = running._run_batch
        monkeypatch.setattr(running, "_run_batch", lambda job, *args: real_run_batch(job, *args[:3], 4, *args[4:]))
        redeliver(crashed_job.pk)  # runs from its own idea of the job: 4 rows done
        crashed_job.refresh_from_db()

    assert (crashed_job.status, crashed_job.processed_rows, crashed_job.error) == ("running", 6, "")
    assert customer_names(in_store, store_a) == ["R2", "R3", "R4"]


def test_the_batches_kept_for_the_report_are_removed_when_the_job_ends(crashed_job, store_a, in_store):
    from tenant_apps.imports.models import ImportBatch

    with in_store(store_a):
        assert ImportBatch.objects.filter(job=crashed_job).count() == 2
        redeliver(crashed_job.pk)
        assert ImportBatch.objects.filter(job=crashed_job).count() == 0
