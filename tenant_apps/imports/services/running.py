"""Starting an import job and running it: batches committed with their results, resumed after the last one."""

from __future__ import annotations

import itertools
import logging
import tempfile
from collections import Counter
from datetime import timedelta
from typing import IO, Any

from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, resolve_store_access
from shared_apps.platform import actionlog
from shared_apps.platform.errors import DomainError, PermissionDenied, ValidationFailed
from shared_apps.platform.spreadsheets import open_spreadsheet, write_csv
from tenant_apps.imports.models import ImportBatch, ImportJob
from tenant_apps.imports.registry import Importer, RowResult, get_importer, outcome_label, resolve_mapping
from tenants.storetime import current_store

logger = logging.getLogger(__name__)

SYNC_MAX_ROWS = 500
BATCH_ROWS = 500
# A running job without progress for this long is taken over by the next delivery of its task.
STALE_AFTER = timedelta(minutes=10)


def batch_rows() -> int:
    """How many rows a run commits together (an importer that plans across batches asks it)."""
    return BATCH_ROWS


def _access_for(user) -> StoreAccess | None:
    return resolve_store_access(user=user, store=current_store())


def import_start(
    *,
    kind: str,
    file: IO[bytes],
    options: dict[str, Any] | None = None,
    access: StoreAccess,
    sync_max_rows: int | None = None,
) -> ImportJob:
    """Check the upload and create the import job; small files are imported before returning.

    ``access`` is the importing caller's StoreAccess; ``options["mapping"]`` maps file columns to
    the importer's fields (the rest is matched by name). Returns the job: ``done`` for a small file
    (``job.row_results`` holds the per-row results as dicts {row, outcome, message, id}),
    ``pending`` for a large one (the task is sent on commit; ``job.row_results`` is None).
    """
    importer_class = get_importer(kind)
    if not access.can(importer_class.permission) or access.read_only:
        raise PermissionDenied(_("You may not import these records."))
    options = dict(options or {})
    mapping = options.get("mapping") or {}
    if not isinstance(mapping, dict):
        raise ValidationFailed(
            _("The mapping must be an object of file column → field."), errors={"mapping": [_("Not an object.")]}
        )
    name = str(getattr(file, "name", "") or "import").rsplit("/", 1)[-1][:200]
    with open_spreadsheet(file, name=name) as sheet:
        resolved, ignored = resolve_mapping(headers=sheet.headers, columns=importer_class.columns, mapping=mapping)
        importer_class.check_columns(access=access, fields=set(resolved.values()))
        total = sheet.count_rows()
    if total == 0:
        raise ValidationFailed(
            _("The file has a header but no rows to import."), code="invalid_file", errors={"file": [_("No rows.")]}
        )

    job_options = {
        **{k: v for k, v in options.items() if k != "mapping"},
        "mapping": resolved,
        "ignored_columns": ignored,
        "headers": sheet.headers,
        "language": translation.get_language() or "",
    }
    file.seek(0)
    job = ImportJob(kind=kind, original_name=name, options=job_options, total_rows=total, created_by=access.user)
    job.file.save(name, File(file, name=name), save=False)
    job.save()
    row_results = None
    if total <= (SYNC_MAX_ROWS if sync_max_rows is None else sync_max_rows):
        row_results = import_run(job_id=job.pk, collect=True)
        job.refresh_from_db()
    else:
        schema = connection.schema_name
        job_id = job.pk
        transaction.on_commit(lambda: _send_task(schema=schema, job_id=job_id))
    job.row_results = row_results  # type: ignore[attr-defined]
    return job


def _send_task(*, schema: str, job_id: int) -> None:
    from tenant_apps.imports.tasks import run_import

    # The schema is named explicitly: the commit may happen after the caller left the store's schema.
    run_import.apply_async(args=[job_id], headers={"_schema_name": schema})


def redispatch_stale(*, at) -> dict[str, int]:
    """Send the task of every import of this store that a dead worker left behind again: running
    without progress for ``STALE_AFTER``, or still pending that long after it was made (its task
    message was lost). The run that receives it resumes after the last committed batch
    (``import_run``), exactly once; a job that moved on meanwhile ignores it, so sending it twice
    is harmless."""
    stale_before = at - STALE_AFTER
    stale = ImportJob.objects.filter(
        Q(status=ImportJob.Status.RUNNING, progress_at__lt=stale_before)
        | Q(status=ImportJob.Status.RUNNING, progress_at__isnull=True, started_at__lt=stale_before)
        | Q(status=ImportJob.Status.PENDING, created_at__lt=stale_before)
    )
    ids = list(stale.order_by("pk").values_list("pk", flat=True))
    schema = connection.schema_name
    for job_id in ids:
        logger.warning("import %s: sent again (no progress since before %s)", job_id, stale_before.isoformat())
        _send_task(schema=schema, job_id=job_id)
    return {"redispatched": len(ids)}


def import_run(*, job_id: int, collect: bool = False, redelivered: bool = False) -> list[dict[str, Any]] | None:
    """Import the rows of a pending job, or resume a running one; otherwise do nothing.

    A running job is resumed after its last committed batch when its task was ``redelivered``
    (the worker running it died before acknowledging it) or when it made no progress for
    ``STALE_AFTER``. Should the first run still be alive, the batches stay exactly-once: each
    batch locks the job and proceeds only if the job is still where its run left it (see
    ``_run_batch``); the run that finds it moved on stops. Returns the per-row results of the rows
    processed by this call when ``collect`` (small imports answer them inline).
    """
    now = timezone.now()
    jobs = ImportJob.objects.filter(pk=job_id)
    claimed = jobs.filter(status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=now, progress_at=now
    )
    if not claimed:
        running = jobs.filter(status=ImportJob.Status.RUNNING)
        if not redelivered:
            running = running.filter(Q(progress_at__lt=now - STALE_AFTER) | Q(progress_at__isnull=True))
        claimed = running.update(progress_at=now)
        if not claimed:
            logger.info("import %s was already started", job_id)
            return None
        logger.warning("import %s: resuming a run that stopped", job_id)
    job = ImportJob.objects.get(pk=job_id)
    language = job.options.get("language") or None
    # The rows are written as the uploader's, from the upload's address when the task carries it
    # (a run re-dispatched by a job knows only the uploader).
    with (
        translation.override(language),
        actionlog.acting_as(
            source="import",
            actor_id=job.created_by_id,
            actor=job.created_by.email,
            request_id=f"import:{job.pk}",
            at=timezone.now(),
        ),
    ):
        return _run(job, collect=collect)


class _Superseded(Exception):
    """Another run of the job moved it on (or ended it): this one stops without touching it."""


def _run(job: ImportJob, *, collect: bool) -> list[dict[str, Any]] | None:
    results: list[dict[str, Any]] | None = [] if collect else None
    # Where the committed batches left the job (0 and nothing for a new run).
    counts: Counter[str] = Counter(job.outcome_counts or {})
    processed = job.processed_rows
    try:
        importer_class = get_importer(job.kind)
        access = _access_for(job.created_by)
        if access is None or not access.can(importer_class.permission) or access.read_only:
            raise PermissionDenied(_("The user who started this import may no longer import these records."))
        importer = importer_class(access=access, options=job.options)
        mapping: dict[str, str] = job.options.get("mapping", {})
        headers: list[str] = list(job.options.get("headers") or mapping)
        with job.file.open("rb") as source, open_spreadsheet(source, name=job.original_name) as sheet:
            batch: list[tuple[int, dict[str, str]]] = []
            for number, row in itertools.islice(sheet.rows(), processed, None):
                batch.append((number, row))
                if len(batch) >= BATCH_ROWS:
                    processed = _run_batch(job, importer, mapping, batch, processed, counts, results, headers)
                    batch = []
            if batch:
                processed = _run_batch(job, importer, mapping, batch, processed, counts, results, headers)
        _finish(job, processed=processed, counts=counts, headers=headers)
    except _Superseded:
        logger.warning("import %s: another run took it over; this one stops", job.pk)
    except DomainError as exc:
        _fail(job, processed=processed, counts=counts, error=exc.detail)
    except Exception:
        logger.exception("import %s failed", job.pk)
        _fail(
            job,
            processed=processed,
            counts=counts,
            error=_("The import stopped because of an internal error after %(count)s rows.") % {"count": processed},
        )
    return results


def _lock_job(job: ImportJob, processed: int) -> None:
    """Lock the job's row for this transaction; raise _Superseded unless it is running and at ``processed``."""
    current = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("status", "processed_rows").first()
    if current != (ImportJob.Status.RUNNING, processed):
        raise _Superseded


def _run_batch(
    job: ImportJob,
    importer: Importer,
    mapping: dict[str, str],
    batch: list[tuple[int, dict[str, str]]],
    processed: int,
    counts: Counter[str],
    results: list[dict[str, Any]] | None,
    headers: list[str],
) -> int:
    """Process a batch in one transaction (each row in its own savepoint, or the importer's whole
    batch at once), together with its report lines and the job's progress. Returns the rows
    processed so far; ``counts`` and ``results`` grow only once the batch is committed."""
    values = [{field: row.get(header, "") for header, field in mapping.items()} for _number, row in batch]
    with transaction.atomic():
        _lock_job(job, processed)
        if importer.batch_rows:
            row_results = importer.process_batch(values)
        else:
            row_results = [_process_row(importer, row_values) for row_values in values]
        lines = [
            [number, str(result.outcome), result.message, result.object_id, *(row.get(h, "") for h in headers)]
            for (number, row), result in zip(batch, row_results, strict=True)
        ]
        ImportBatch.objects.create(job=job, first_row=batch[0][0], lines=lines)
        batch_counts = counts + Counter(str(result.outcome) for result in row_results)
        _save_progress(job, processed + len(batch), batch_counts)
    counts.update(str(result.outcome) for result in row_results)
    if results is not None:
        results.extend(result.as_dict(number) for (number, _row), result in zip(batch, row_results, strict=True))
    return processed + len(batch)


def _process_row(importer: Importer, values: dict[str, str]) -> RowResult:
    if importer.atomic_rows:
        # The importer's own writes are atomic and all-or-nothing: no extra savepoint. A database
        # error outside them would leave the batch's transaction unusable, so it stops the job.
        try:
            return importer.process_row(values)
        except DomainError as exc:
            return RowResult(outcome="invalid", message=importer.describe_error(exc))
    try:
        with transaction.atomic():
            result = importer.process_row(values)
            if result.outcome not in ("created", "updated"):
                # A row that is not taken leaves nothing behind, whatever the importer did.
                transaction.set_rollback(True)
            return result
    except DomainError as exc:
        return RowResult(outcome="invalid", message=importer.describe_error(exc))
    except DatabaseError:
        # The savepoint is rolled back; the rows before this one stay.
        logger.exception("import row refused by the database")
        return RowResult(outcome="invalid", message=_("The row could not be saved."))


def _save_progress(job: ImportJob, processed: int, counts: Counter[str]) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=processed, outcome_counts=dict(counts), progress_at=timezone.now()
    )


def _report_lines(job: ImportJob):
    for lines in ImportBatch.objects.filter(job=job).order_by("first_row").values_list("lines", flat=True).iterator():
        for number, outcome, message, object_id, *cells in lines:
            yield [number, outcome_label(outcome), message, object_id, *cells]


def _finish(job: ImportJob, *, processed: int, counts: Counter[str], headers: list[str]) -> None:
    """Write the report from the committed batches and mark the job done (once, by the run that owns it)."""
    with transaction.atomic():
        _lock_job(job, processed)
        with tempfile.TemporaryFile() as spool:
            write_csv(spool, [_("Row"), _("Outcome"), _("Message"), _("ID"), *headers], _report_lines(job))
            spool.seek(0)
            job.report.save("report.csv", File(spool, name="report.csv"), save=False)
        job.status = ImportJob.Status.DONE
        job.processed_rows = processed
        job.outcome_counts = dict(counts)
        job.finished_at = timezone.now()
        job.save(update_fields=["report", "status", "processed_rows", "outcome_counts", "finished_at"])
        ImportBatch.objects.filter(job=job).delete()


def _fail(job: ImportJob, *, processed: int, counts: Counter[str], error: str) -> None:
    # Only while the job is where this run left it: a run that was taken over changes nothing.
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING, processed_rows=processed).update(
        status=ImportJob.Status.FAILED,
        outcome_counts=dict(counts),
        error=str(error)[:2000],
        finished_at=timezone.now(),
    )
    ImportBatch.objects.filter(job=job).delete()
