"""Store-host API of customer spreadsheets (routes included by tenant_apps.customers.urls_api).

* ``POST /api/v1/customers/import``: multipart ``file`` (CSV or XLSX) and an optional ``mapping``
  (JSON {file column: field}); 200 with the per-row report for up to 500 rows, else 202 with the
  import job to poll. Permission ``customers.import``.
* ``GET /api/v1/customers/export?format=csv|xlsx`` with the list's filters: the rows of the list as
  the caller sees it, streamed. Permission ``customers.export``.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from shared_apps.platform.spreadsheets import CONTENT_TYPES, CSV, FORMATS, XLSX
from shared_apps.platform.viewsets import StoreAPIView
from tenant_apps.customers.api import LIST_PARAMETERS, CustomerListSchema, list_filters
from tenant_apps.customers.exporting import customers_export_response
from tenant_apps.customers.importing import KIND
from tenant_apps.imports.api import DownloadNegotiationMixin, ImportUploadView, import_upload_schema


class ImportView(ImportUploadView):
    """Import customers from a CSV or XLSX file, one customer per row (dual verification per row)."""

    import_kind = KIND
    required_permissions = {"POST": "customers.import"}

    @import_upload_schema(
        summary="Import customers",
        description=(
            "Columns are matched by name (English or Chinese: 姓名, 公司, 手机, 微信, 旺旺, 渠道, 省份, 城市, 地址, "
            "标签, 等级...) or by `mapping`; `name` is required. Each row is created like a customer typed in by "
            "hand and reported as `created`, `duplicate` (of the existing customer, named with its owner or the "
            "pool) or `invalid` (with the reasons). Up to 500 rows are imported at once (200 with `rows`); a "
            "larger file in the background (202, poll `url`)."
        ),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class ExportView(DownloadNegotiationMixin, StoreAPIView):
    """Export the customer list (the caller's visibility and the list filters) as CSV or XLSX."""

    required_permissions = {"GET": "customers.export"}
    schema = CustomerListSchema()

    @extend_schema(
        summary="Export customers",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(FORMATS), description="csv (default) or xlsx."),
            *LIST_PARAMETERS,
        ],
        responses={
            (200, CONTENT_TYPES[CSV].split(";")[0]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES[XLSX]): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="validation_error: an unknown format or a bad filter value"),
        },
    )
    def get(self, request):
        fmt = (request.query_params.get("format") or CSV).strip().lower()
        return customers_export_response(access=self.access, filters=list_filters(request), fmt=fmt)
