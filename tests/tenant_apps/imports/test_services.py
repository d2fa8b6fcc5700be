"""Starting and running imports: checks before anything is stored, per-row atomicity, the
background run with its progress and report, idempotence."""

from __future__ import annotations

import csv
import io

import pytest

from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from shared_apps.platform.spreadsheets import FileTooLarge, InvalidColumns, InvalidFile
from tenant_apps.imports import services
from tenant_apps.imports.services import running
from tests.factories import access_of
from tests.tenant_apps.imports.conftest import csv_stream


def jobs(in_store, store):
    from tenant_apps.imports.models import ImportJob

    with in_store(store):
        return list(ImportJob.objects.all())


def tag_names(in_store, store):
    from tenant_apps.customers.selectors import tag_list

    with in_store(store):
        return sorted(tag_list().values_list("name", flat=True))


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def report_rows(in_store, store, job):
    with in_store(store), job.report.open("rb") as raw:
        return list(csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig")))


def test_small_import_runs_at_once_and_reports_each_row(tag_importer, users, store_a, in_store, media_root):
    with in_store(store_a):
        job = services.import_start(
            kind="test_tags", file=csv_stream("name\nvip\nnew\n"), options={}, access=access_of(users.a_admin)
        )

    assert job.status == "done"
    assert job.total_rows == job.processed_rows == 2
    assert job.outcome_counts == {"created": 2}
    assert [(r["row"], r["outcome"]) for r in job.row_results] == [(2, "created"), (3, "created")]
    assert tag_names(in_store, store_a) == ["new", "vip"]
    files = stored_files(media_root)
    assert len(files) == 2  # the upload and the report
    assert all(path.startswith(f"stores/{store_a.schema_name}/imports/") for path in files)


def test_report_lists_row_outcome_message_id_and_the_cells(tag_importer, users, store_a, in_store):
    with in_store(store_a):
        job = services.import_start(
            kind="test_tags", file=csv_stream("name,fail\nok,\nbad,1\n"), options={}, access=access_of(users.a_admin)
        )

    rows = report_rows(in_store, store_a, job)
    assert rows[0][4:] == ["name", "fail"]
    assert rows[1][0] == "2" and rows[1][3].isdigit()
    assert rows[2][0] == "3" and "told to fail" in rows[2][2] and rows[2][3] == ""


def test_a_bad_row_keeps_the_good_rows_and_leaves_nothing_itself(tag_importer, users, store_a, in_store):
    with in_store(store_a):
        job = services.import_start(
            kind="test_tags",
            file=csv_stream("name,fail\nfirst,\nwritten-then-refused,yes\nlast,\n"),
            options={},
            access=access_of(users.a_admin),
        )

    assert job.outcome_counts == {"created": 2, "invalid": 1}
    assert job.row_results[1]["outcome"] == "invalid"
    assert job.row_results[1]["message"] == "Fail: told to fail"
    assert tag_names(in_store, store_a) == ["first", "last"]


def test_wrong_columns_store_nothing(tag_importer, users, store_a, in_store, media_root):
    with in_store(store_a), pytest.raises(InvalidColumns) as error:
        services.import_start(
            kind="test_tags", file=csv_stream("colour\nred\n"), options={}, access=access_of(users.a_admin)
        )

    assert error.value.extra["missing"] == ["name"]
    assert error.value.extra["unknown"] == ["colour"]
    assert jobs(in_store, store_a) == []
    assert stored_files(media_root) == []


def test_an_unreadable_file_stores_nothing(tag_importer, users, store_a, in_store, media_root):
    stream = io.BytesIO(b"PK\x03\x04 not really a workbook")
    stream.name = "customers.xlsx"

    with in_store(store_a), pytest.raises(InvalidFile):
        services.import_start(kind="test_tags", file=stream, options={}, access=access_of(users.a_admin))

    assert jobs(in_store, store_a) == []
    assert stored_files(media_root) == []


def test_an_oversized_file_is_refused(tag_importer, users, store_a, in_store, settings):
    settings.IMPORT_MAX_BYTES = 8

    with in_store(store_a), pytest.raises(FileTooLarge):
        services.import_start(
            kind="test_tags", file=csv_stream("name\nvip\n"), options={}, access=access_of(users.a_admin)
        )

    assert jobs(in_store, store_a) == []


def test_a_header_without_rows_is_refused(tag_importer, users, store_a, in_store):
    with in_store(store_a), pytest.raises(ValidationFailed) as error:
        services.import_start(kind="test_tags", file=csv_stream("name\n"), options={}, access=access_of(users.a_admin))

    assert error.value.code == "invalid_file"


def test_a_user_without_the_importer_permission_is_refused(tag_importer, users, store_a, in_store):
    with in_store(store_a), pytest.raises(PermissionDenied):
        services.import_start(
            kind="test_tags", file=csv_stream("name\nvip\n"), options={}, access=access_of(users.a_sales)
        )

    assert jobs(in_store, store_a) == []


def test_large_import_runs_as_a_task_after_commit_with_progress(
    tag_importer, users, store_a, in_store, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(running, "SYNC_MAX_ROWS", 3)
    monkeypatch.setattr(running, "BATCH_ROWS", 2)
    seen: list[int] = []
    save_progress = running._save_progress

    def spy(job, processed, counts):
        save_progress(job, processed, counts)
        job.refresh_from_db()
        seen.append(job.processed_rows)

    monkeypatch.setattr(running, "_save_progress", spy)
    text = "name\n" + "".join(f"tag{i}\n" for i in range(7))

    with in_store(store_a), django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.import_start(
            kind="test_tags", file=csv_stream(text), options={}, access=access_of(users.a_admin)
        )
    assert job.status == "pending"
    assert job.row_results is None
    assert len(callbacks) == 1

    callbacks[0]()  # the commit: the task runs (eagerly) in the store's schema

    with in_store(store_a):
        job.refresh_from_db()
    assert seen == [2, 4, 6, 7]  # each batch commits its progress, the last one too
    assert job.status == "done"
    assert job.processed_rows == 7
    assert job.outcome_counts == {"created": 7}
    assert job.report
    assert len(tag_names(in_store, store_a)) == 7


def test_running_a_job_twice_does_nothing_the_second_time(tag_importer, users, store_a, in_store):
    with in_store(store_a):
        job = services.import_start(
            kind="test_tags", file=csv_stream("name\nvip\n"), options={}, access=access_of(users.a_admin)
        )
        again = services.import_run(job_id=job.pk, collect=True)

    assert again is None
    assert tag_names(in_store, store_a) == ["vip"]


def test_a_job_whose_user_lost_the_permission_fails(tag_importer, users, store_a, in_store, monkeypatch):
    monkeypatch.setattr(running, "SYNC_MAX_ROWS", 0)
    with in_store(store_a):
        job = services.import_start(
            kind="test_tags", file=csv_stream("name\nvip\n"), options={}, access=access_of(users.a_admin)
        )
        job.created_by = users.a_sales
        job.save()
        services.import_run(job_id=job.pk)
        job.refresh_from_db()

    assert job.status == "failed"
    assert job.error
    assert tag_names(in_store, store_a) == []


def test_a_database_error_in_a_row_without_savepoint_fails_the_job_and_keeps_no_half_batch(
    tag_importer, users, store_a, in_store, monkeypatch
):
    from django.db import DatabaseError

    class NoSavepointImporter(tag_importer):
        atomic_rows = True

        def process_row(self, values):
            if values["name"] == "boom":
                raise DatabaseError("connection lost")
            return super().process_row(values)

    monkeypatch.setattr(running, "BATCH_ROWS", 2)
    monkeypatch.setattr(running, "get_importer", lambda kind: NoSavepointImporter)
    with in_store(store_a):
        job = services.import_start(
            kind="test_tags",
            file=csv_stream("name\nfirst\nsecond\nthird\nboom\n"),
            options={},
            access=access_of(users.a_admin),
        )

    assert job.status == "failed"
    assert job.processed_rows == 2
    assert tag_names(in_store, store_a) == ["first", "second"]
