"""Background imports of spreadsheets (customers now, historical orders later): the uploaded
file, its progress, the results of its committed batches and its per-row result report (store
schema, files under the store's prefix)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _


def store_upload_path(instance: ImportJob, filename: str) -> str:
    """Files live under the store's own prefix and get an unguessable name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"stores/{connection.schema_name}/imports/{uuid.uuid4().hex}{suffix}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40)
    file = models.FileField(_("file"), upload_to=store_upload_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # Counts per row outcome, e.g. {"created": 10, "duplicate": 2, "invalid": 1}.
    outcome_counts = models.JSONField(default=dict, blank=True)
    report = models.FileField(_("result report"), upload_to=store_upload_path, max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When a batch was last committed (or the run started): a running job without progress for
    # long is taken over by the next delivery of its task.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        # The imports still waiting or running (``redispatch_stale`` and its probe).
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(status="pending"), name="import_pending"),
            models.Index(fields=["progress_at"], condition=models.Q(status="running"), name="import_running"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name} ({self.status})"

    @property
    def progress(self) -> float:
        return (
            1.0
            if self.status == self.Status.DONE
            else (self.processed_rows / self.total_rows if self.total_rows else 0.0)
        )


class ImportBatch(models.Model):
    """The per-row results of one committed batch of an import, written in the batch's own
    transaction (with its records and the job's progress). A run that died is resumed after the
    last committed batch without losing or repeating a line; the report is written from these
    when the job ends, and they are deleted then."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    first_row = models.PositiveIntegerField()
    # One line per row: [row number, outcome code, message, id, *the row's cells].
    lines = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "first_row"]
        constraints = [models.UniqueConstraint(fields=["job", "first_row"], name="import_batch_unique_first_row")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.first_row}"
