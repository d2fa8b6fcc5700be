"""Pages of an import job: its progress (polled by htmx while it runs), its counts and result rows,
and the download of its report. Only the user who started it and the store's admins see it."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, NotFound
from tenant_apps.imports import selectors
from tenant_apps.imports.api import report_response
from tenant_apps.imports.models import ImportJob
from tenant_apps.imports.registry import find_importer, outcome_label

POLL_SECONDS = 1


def _job_or_404(request, pk) -> ImportJob:
    try:
        return selectors.import_get_for_user(job_id=pk, access=request.store_access)
    except NotFound:
        raise Http404 from None


def job_context(job: ImportJob, *, rows: list[dict] | None = None) -> dict:
    """What the progress/result partial shows; ``rows`` are the per-row results when known."""
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    importer = find_importer(job.kind)
    counts = [
        {"outcome": outcome, "label": outcome_label(outcome), "count": count}
        for outcome, count in sorted(job.outcome_counts.items())
    ]
    if rows is None and finished:
        rows = selectors.import_report_preview(job=job)
    elif rows is not None:
        rows = [
            {
                **row,
                "outcome_label": outcome_label(row["outcome"]),
                "url": importer.object_url(row["id"]) if importer is not None and row.get("id") else None,
            }
            for row in rows
        ]
    return {
        "job": job,
        "finished": finished,
        "percent": round(job.progress * 100),
        "counts": counts,
        "rows": rows or [],
        "poll_seconds": POLL_SECONDS,
        "importer_label": importer.label if importer is not None else job.kind,
    }


@store_page("store.view")
@require_GET
def detail(request, pk: int):
    job = _job_or_404(request, pk)
    context = job_context(job)
    if request.htmx:
        return render(request, "imports/_progress.html", context)
    return render(request, "imports/detail.html", context)


@store_page("store.view")
@require_GET
def report(request, pk: int):
    job = _job_or_404(request, pk)
    try:
        return report_response(job)
    except DomainError:
        raise Http404 from None
