"""Store-host API of the historical orders import (route in tenant_apps.sales.urls_api).

``POST /api/v1/orders/import``: multipart ``file`` (CSV in UTF-8 or GBK, or XLSX) and an optional
``mapping`` (JSON {file column: field}); 200 with the per-row report for up to 500 rows, else 202
with the import job to poll (``GET /api/v1/imports/{id}``). Permission ``orders.import``.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response

from shared_apps.platform.spreadsheets import check_upload_size, max_upload_bytes
from tenant_apps.imports import services as import_services
from tenant_apps.imports.api import (
    MULTIPART_ALLOWANCE,
    ImportJobSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
    ImportUploadView,
    import_upload_schema,
    job_url,
)
from tenant_apps.sales import importing

importing.register()


def start_order_import(*, file, mapping: dict, access):
    """Start an order import: orders whose lines fall in several batches are carried whole in the
    job (see ``importing.prescan``), then the import machinery takes over."""
    name = str(getattr(file, "name", "") or "import").rsplit("/", 1)[-1][:200]
    spanning = importing.prescan(file, name=name, mapping=mapping)
    return import_services.import_start(
        kind=importing.KIND,
        file=file,
        options={"mapping": mapping, "spanning": spanning},
        access=access,
    )


class OrderImportView(ImportUploadView):
    """Import historical orders from a CSV or XLSX file, one order line per row."""

    import_kind = importing.KIND
    required_permissions = {"POST": "orders.import"}

    @import_upload_schema(
        summary="Import historical orders",
        description=(
            "One row per order line; rows sharing `external_id` are the lines of one order. Columns (English or "
            "Chinese names): `external_id`, `customer_mobile` or `customer_wechat_id`, `customer_name`, "
            "`province`, `channel`, `device`, `sku`, `quantity`, `unit_price`, `signed_at`, `status`, "
            "`completed_at`, `payment_mode`, `collected`, `rating`, and optionally `due_date` (credit orders; "
            "30 days after signing when empty) and `owner_email`. Customers are matched by mobile number or "
            "WeChat ID or created; products by SKU. An order with any invalid row is refused whole. Each row is "
            "reported `created`, `invalid` (with the reason) or `skipped` when its external ID was imported "
            "before (unchanged: importing the same file twice changes nothing). Up to 500 rows are imported at "
            "once (200 with `rows`); a larger file in the background (202, poll `url`)."
        ),
    )
    def post(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > max_upload_bytes() + MULTIPART_ALLOWANCE:
            check_upload_size(int(length))
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        check_upload_size(upload.size)
        job = start_order_import(
            file=upload,
            mapping=serializer.validated_data.get("mapping") or {},
            access=self.access,
        )
        if job.row_results is not None:
            return Response(ImportResultSerializer(job).data, status=status.HTTP_200_OK)
        return Response(
            ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": job_url(job)}
        )
