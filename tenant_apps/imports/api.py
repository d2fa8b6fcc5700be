"""Store-host API of imports: the job's status and its result report, and the upload view every
module's import endpoint is built on (``POST /api/v1/customers/import``, later orders).

* ``GET /api/v1/imports/{id}``: status, progress, counts per outcome, report URL.
* ``GET /api/v1/imports/{id}/report``: the per-row result report (CSV), for the user who started
  the import and the store's admins only.
"""

from __future__ import annotations

import json
from typing import ClassVar

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from shared_apps.platform.api import ProblemJSONRenderer
from shared_apps.platform.api import StrictFormParser as FormParser
from shared_apps.platform.api import StrictMultiPartParser as MultiPartParser
from shared_apps.platform.errors import Conflict
from shared_apps.platform.spreadsheets import check_upload_size, max_upload_bytes
from shared_apps.platform.viewsets import StoreAPIView
from tenant_apps.imports import selectors, services
from tenant_apps.imports.models import ImportJob

# Multipart framing around the file: a request this much larger than the file limit is refused unread.
MULTIPART_ALLOWANCE = 64 * 1024


def job_url(job: ImportJob) -> str:
    return reverse("import-detail", kwargs={"pk": job.pk})


def job_report_url(job: ImportJob) -> str | None:
    return reverse("import-report", kwargs={"pk": job.pk}) if job.report else None


def job_page_url(job: ImportJob) -> str:
    return reverse("imports:detail", kwargs={"pk": job.pk})


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True, help_text="Fraction of rows processed, 0 to 1.")
    outcome_counts = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text='Rows per outcome, e.g. {"created": 10}.'
    )
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "original_name",
            "total_rows",
            "processed_rows",
            "progress",
            "outcome_counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "url",
            "page_url",
            "report_url",
        ]
        read_only_fields = fields

    def get_url(self, job: ImportJob) -> str:
        return job_url(job)

    def get_page_url(self, job: ImportJob) -> str:
        return job_page_url(job)

    def get_report_url(self, job: ImportJob) -> str | None:
        return job_report_url(job)


class RowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number in the file (the header is row 1).")
    outcome = serializers.ChoiceField(choices=["created", "updated", "duplicate", "invalid", "skipped"])
    message = serializers.CharField(allow_blank=True)
    id = serializers.IntegerField(allow_null=True, help_text="The record created, updated or duplicated.")


class ImportResultSerializer(ImportJobSerializer):
    rows = RowResultSerializer(many=True, read_only=True, source="row_results")

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "rows"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV (UTF-8 or GBK) or XLSX file; the first row names the columns.")
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='Optional JSON object {"file column": "field"}; "" ignores a column. Unnamed columns are '
        "matched by name.",
    )

    def validate_mapping(self, value: str) -> dict:
        if not value:
            return {}
        try:
            mapping = json.loads(value)
        except ValueError:
            raise serializers.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
        ):
            raise serializers.ValidationError(_("Must be an object of file column → field name."))
        return mapping


class ImportUploadView(StoreAPIView):
    """Base of a module's import endpoint: set ``import_kind`` and ``required_permissions``."""

    import_kind: ClassVar[str] = ""
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request, *args, **kwargs):
        # Refuse an oversized body before the multipart parser reads it.
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > max_upload_bytes() + MULTIPART_ALLOWANCE:
            check_upload_size(int(length))
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        check_upload_size(upload.size)
        job = services.import_start(
            kind=self.import_kind,
            file=upload,
            options={"mapping": serializer.validated_data.get("mapping") or {}},
            access=self.access,
        )
        if job.row_results is not None:
            return Response(ImportResultSerializer(job).data, status=status.HTTP_200_OK)
        return Response(
            ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": job_url(job)}
        )


def import_upload_schema(*, summary: str, description: str = ""):
    """The OpenAPI description of a module's import endpoint."""
    return extend_schema(
        summary=summary,
        description=description
        or (
            "Upload a CSV or XLSX file. Up to 500 rows are imported at once and the per-row report is "
            "returned (200); a larger file is imported in the background (202, poll the job's url)."
        ),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: ImportResultSerializer,
            202: ImportJobSerializer,
            400: OpenApiResponse(description="invalid_file, invalid_columns, too_many_rows or validation_error"),
            413: OpenApiResponse(description="file_too_large"),
        },
    )


class ImportDetailView(StoreAPIView):
    """An import job: status, progress and counts per outcome."""

    required_permission = "store.view"

    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request, pk: int):
        job = selectors.import_get_for_user(job_id=pk, access=self.access)
        return Response(ImportJobSerializer(job).data)


class DownloadNegotiationMixin:
    """A download answers whatever the client accepts; its errors still come as problem+json."""

    renderer_classes = [ProblemJSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class ImportReportView(DownloadNegotiationMixin, StoreAPIView):
    """The per-row result report of an import (CSV): row, outcome, message, id, then the row's cells."""

    required_permission = "store.view"

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        job = selectors.import_get_for_user(job_id=pk, access=self.access)
        return report_response(job)


def report_response(job: ImportJob) -> FileResponse:
    if not job.report:
        raise Conflict(_("The report is not ready yet."), code="report_not_ready")
    response = FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"{job.kind}-import-{job.pk}-report.csv",
        content_type="text/csv; charset=utf-8",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
