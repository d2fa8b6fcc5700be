"""Reads of import jobs. A job and its report are visible to the user who started it and to the
store's admins; to anyone else it does not exist (404)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import NotFound
from tenant_apps.imports.models import ImportJob
from tenant_apps.imports.registry import OUTCOME_LABELS, find_importer, outcome_label


def can_see_import(*, job: ImportJob, access: StoreAccess) -> bool:
    if access.via_hq:
        return False
    return job.created_by_id == access.user.pk or access.has_role(StoreRole.ADMIN)


def import_get_for_user(*, job_id, access: StoreAccess) -> ImportJob:
    try:
        job_id = int(job_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such import.")) from None
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not can_see_import(job=job, access=access):
        raise NotFound(_("No such import."))
    return job


def import_list_for_user(*, access: StoreAccess, kind: str | None = None) -> QuerySet[ImportJob]:
    """The imports ``access`` may see (an admin: all of the store's), newest first."""
    qs = ImportJob.objects.all()
    if access.via_hq:
        return qs.none()
    if not access.has_role(StoreRole.ADMIN):
        qs = qs.filter(created_by_id=access.user.pk)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def _outcome_codes_by_label() -> dict[str, str]:
    """The outcome codes by their labels in every language (the report holds labels)."""
    codes: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in OUTCOME_LABELS.items():
                codes[str(label)] = str(code)
    return codes


def import_report_preview(*, job: ImportJob, limit: int = 200) -> list[dict]:
    """The first ``limit`` rows of a job's report as {row, outcome, outcome_label, message, id, url}."""
    if not job.report:
        return []
    importer = find_importer(job.kind)
    codes = _outcome_codes_by_label()
    rows: list[dict] = []
    with job.report.open("rb") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        next(reader, None)
        for cells in reader:
            if len(rows) >= limit:
                break
            cells = [*cells, "", "", "", ""][:4]
            number, label, message, object_id = cells
            object_id = int(object_id) if object_id.isdigit() else None
            outcome = codes.get(label, label)
            rows.append(
                {
                    "row": number,
                    "outcome": outcome,
                    # In the reader's language, whichever language the report was written in.
                    "outcome_label": outcome_label(outcome) if outcome in OUTCOME_LABELS else label,
                    "message": message.removeprefix("'") if message[:2] in ("'=", "'+", "'-", "'@") else message,
                    "id": object_id,
                    "url": importer.object_url(object_id) if importer is not None and object_id else None,
                }
            )
    return rows


def stale_sql(schema: str, *, stale_after: timedelta) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while an import has been
    running without progress, or waiting, since more than ``stale_after`` before ``%(at)s`` (the
    ``import_running`` and ``import_pending`` indexes): what ``services.redispatch_stale`` sends
    again, as its probe in beat's dispatch."""
    table, seconds = ImportJob._meta.db_table, int(stale_after.total_seconds())
    before = f"%(at)s::timestamptz - make_interval(secs => {seconds})"
    return f"""(EXISTS (SELECT 1 FROM {schema}.{table}
                  WHERE status = '{ImportJob.Status.RUNNING}'
                    AND (progress_at < {before} OR (progress_at IS NULL AND started_at < {before})))
             OR EXISTS (SELECT 1 FROM {schema}.{table}
                  WHERE status = '{ImportJob.Status.PENDING}' AND created_at < {before}))"""
