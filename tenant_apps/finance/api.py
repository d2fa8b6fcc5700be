"""Store-host API of finance: payment records of an order, the finance list with totals,
confirmation and rejection, voucher files, and invoices.

Refusals are problem+json with a code naming the rule: ``over_collection``, ``over_refund``,
``over_invoice``, ``order_cancelled``, ``invalid_transition``, ``invalid_file`` (400),
``file_too_large`` (413), ``duplicate_invoice_number``, ``validation_error``. Nothing is written
on a refusal.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from shared_apps.accounts.serializers import UserNameField
from shared_apps.platform.api import StrictFormParser as FormParser
from shared_apps.platform.api import StrictJSONParser as JSONParser
from shared_apps.platform.api import StrictMultiPartParser as MultiPartParser
from shared_apps.platform.errors import NotFound, ValidationFailed
from shared_apps.platform.viewsets import StoreAPIView, StoreGenericAPIView
from tenant_apps.finance import files, selectors, services
from tenant_apps.finance.inputs import (
    InvoiceCreateSerializer,
    InvoiceIssueSerializer,
    InvoiceMailSerializer,
    PaymentCreateSerializer,
    PaymentRejectSerializer,
)
from tenant_apps.finance.models import Invoice, Payment
from tenant_apps.finance.serializers import PaymentSerializer
from tenant_apps.sales.selectors import order_get_for_user

# --- serializers ----------------------------------------------------------------------------------


class MoneyTotalsSerializer(serializers.Serializer):
    collection = serializers.CharField()
    supplement = serializers.CharField()
    refund = serializers.CharField()


class PaymentTotalsSerializer(serializers.Serializer):
    confirmed = MoneyTotalsSerializer()
    pending = MoneyTotalsSerializer()
    net = serializers.CharField(help_text="Confirmed collections + supplements - refunds.")


class PaymentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = PaymentSerializer(many=True)
    totals = PaymentTotalsSerializer()


class InvoiceSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id", read_only=True, allow_null=True)
    order_number = serializers.SerializerMethodField()
    quotation = serializers.IntegerField(source="quotation_id", read_only=True, allow_null=True)
    requested_by = serializers.IntegerField(source="requested_by_id", read_only=True)
    requested_by_name = UserNameField(source="requested_by")
    issued_by = serializers.IntegerField(source="issued_by_id", read_only=True, allow_null=True)
    file_url = serializers.SerializerMethodField()
    aftersales_case = serializers.IntegerField(source="aftersales_case_id", read_only=True, allow_null=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "order",
            "order_number",
            "quotation",
            "aftersales_case",
            "status",
            "invoice_type",
            "title",
            "tax_number",
            "amount",
            "address",
            "note",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "number",
            "issued_by",
            "issued_at",
            "file_url",
            "courier",
            "tracking_number",
            "mailed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_order_number(self, obj: Invoice) -> str:
        return obj.order.number if obj.order_id else ""

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_url(self, obj: Invoice) -> str | None:
        return f"/api/v1/invoices/{obj.pk}/file" if obj.file else None


def _query(request, keys) -> dict[str, str]:
    return {key: request.query_params.get(key) for key in keys if request.query_params.get(key) is not None}


def _files(request, field: str) -> list:
    getter = getattr(request.FILES, "getlist", None)
    return list(getter(field)) if getter else []


def _body(request) -> dict:
    if not hasattr(request.data, "get"):
        raise ValidationFailed(_("Send a JSON object or a form."))
    return request.data


PAYMENT_LIST_PARAMETERS = [
    OpenApiParameter("kind", OpenApiTypes.STR, enum=list(Payment.Kind.values)),
    OpenApiParameter("status", OpenApiTypes.STR, enum=list(Payment.Status.values)),
    OpenApiParameter("method", OpenApiTypes.STR, enum=list(Payment.Method.values)),
    OpenApiParameter("order", OpenApiTypes.INT),
    OpenApiParameter("customer", OpenApiTypes.INT),
    OpenApiParameter("created_from", OpenApiTypes.STR, description="A local date (inclusive) or an ISO time."),
    OpenApiParameter("created_to", OpenApiTypes.STR, description="A local date (inclusive) or an ISO time."),
    OpenApiParameter("confirmed_from", OpenApiTypes.STR, description="A local date (inclusive) or an ISO time."),
    OpenApiParameter("confirmed_to", OpenApiTypes.STR, description="A local date (inclusive) or an ISO time."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Order number, customer name or company, note."),
    OpenApiParameter("ordering", OpenApiTypes.STR, enum=list(selectors.PAYMENT_ORDERINGS)),
]
REFUSALS = {
    400: OpenApiResponse(description="validation_error, invalid_file"),
    409: OpenApiResponse(description="over_collection, over_refund, order_cancelled"),
    413: OpenApiResponse(description="file_too_large"),
}


# --- views ----------------------------------------------------------------------------------------


class PaymentListView(StoreGenericAPIView):
    """Every payment record the caller may see (finance and admins: the whole store), with the
    totals of the filtered records: confirmed and pending sums by kind, and the net."""

    serializer_class = PaymentSerializer
    required_permissions = {"GET": "payments.view"}
    filter_backends: list = []

    @extend_schema(
        operation_id="payments_list", parameters=PAYMENT_LIST_PARAMETERS, responses={200: PaymentPageSerializer}
    )
    def get(self, request):
        qs = selectors.payment_list(access=self.access, filters=_query(request, selectors.PAYMENT_FILTERS))
        page = self.paginate_queryset(qs)
        response = self.get_paginated_response(PaymentSerializer(page, many=True).data)
        response.data["totals"] = selectors.payment_totals(qs)
        return response


class OrderPaymentsView(StoreGenericAPIView):
    """The payment records of one order; POST records a collection, supplement or refund."""

    serializer_class = PaymentSerializer
    required_permissions = {"GET": "payments.view", "POST": "payments.create"}
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list = []
    pagination_class = None

    @extend_schema(operation_id="orders_payments_list", responses={200: PaymentSerializer(many=True)})
    def get(self, request, order_id):
        order = order_get_for_user(order_id=order_id, access=self.access)
        return Response(PaymentSerializer(selectors.order_payments(order=order), many=True).data)

    @extend_schema(
        request={"application/json": PaymentCreateSerializer, "multipart/form-data": PaymentCreateSerializer},
        responses={201: PaymentSerializer, **REFUSALS},
    )
    def post(self, request, order_id):
        order = order_get_for_user(order_id=order_id, access=self.access)
        values = PaymentCreateSerializer.read(_body(request), vouchers=_files(request, "voucher"))
        payment = services.payment_create(access=self.access, order=order, **values)
        payment = selectors.payment_get_for_user(payment_id=payment.pk, access=self.access)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentDetailView(StoreGenericAPIView):
    serializer_class = PaymentSerializer
    required_permissions = {"GET": "payments.view"}

    @extend_schema(responses={200: PaymentSerializer})
    def get(self, request, pk):
        return Response(PaymentSerializer(selectors.payment_get_for_user(payment_id=pk, access=self.access)).data)


class PaymentConfirmView(StoreGenericAPIView):
    """Finance confirms a pending record: it counts in the order's money from now on."""

    serializer_class = PaymentSerializer
    # Finance confirms; the service applies four eyes (an admin confirms when no one else can).
    required_permissions = {"POST": "payments.view"}

    @extend_schema(
        request=None,
        responses={
            200: PaymentSerializer,
            403: OpenApiResponse(description="permission_denied, four_eyes_required"),
            409: OpenApiResponse(description="invalid_transition, over_collection, over_refund, order_cancelled"),
        },
    )
    def post(self, request, pk):
        payment = selectors.payment_get_for_user(payment_id=pk, access=self.access)
        services.payment_confirm(access=self.access, payment_id=payment.pk)
        return Response(PaymentSerializer(selectors.payment_get_for_user(payment_id=pk, access=self.access)).data)


class PaymentRejectView(StoreGenericAPIView):
    """Finance rejects a pending record with a reason; it never counts."""

    serializer_class = PaymentSerializer
    required_permissions = {"POST": "payments.confirm"}

    @extend_schema(
        request=PaymentRejectSerializer,
        responses={200: PaymentSerializer, 409: OpenApiResponse(description="invalid_transition")},
    )
    def post(self, request, pk):
        payment = selectors.payment_get_for_user(payment_id=pk, access=self.access)
        values = PaymentRejectSerializer.read(_body(request))
        services.payment_reject(access=self.access, payment_id=payment.pk, **values)
        return Response(PaymentSerializer(selectors.payment_get_for_user(payment_id=pk, access=self.access)).data)


class VoucherFileView(StoreAPIView):
    """A voucher file, to members who may see the payment record's order."""

    required_permissions = {"GET": "payments.view"}

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()})
    def get(self, request, pk, voucher_id):
        voucher = selectors.voucher_get_for_user(payment_id=pk, voucher_id=voucher_id, access=self.access)
        return files.file_response(voucher)


INVOICE_LIST_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=list(Invoice.Status.values)),
    OpenApiParameter("invoice_type", OpenApiTypes.STR, enum=list(Invoice.Type.values)),
    OpenApiParameter("order", OpenApiTypes.INT),
    OpenApiParameter("quotation", OpenApiTypes.INT),
    OpenApiParameter("requested_by", OpenApiTypes.STR, description="A user id, or `me`."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Title, tax number, invoice number, order number."),
    OpenApiParameter("ordering", OpenApiTypes.STR, enum=list(selectors.INVOICE_ORDERINGS)),
]


class InvoiceListView(StoreGenericAPIView):
    """Invoice requests and invoices; POST requests one on an order or a quotation."""

    serializer_class = InvoiceSerializer
    required_permissions = {"GET": "invoices.view", "POST": "invoices.request"}
    filter_backends: list = []

    @extend_schema(
        operation_id="invoices_list", parameters=INVOICE_LIST_PARAMETERS, responses={200: InvoiceSerializer(many=True)}
    )
    def get(self, request):
        qs = selectors.invoice_list(access=self.access, filters=_query(request, selectors.INVOICE_FILTERS))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(InvoiceSerializer(page, many=True).data)

    @extend_schema(
        request=InvoiceCreateSerializer,
        responses={
            201: InvoiceSerializer,
            400: OpenApiResponse(description="validation_error"),
            409: OpenApiResponse(description="over_invoice, order_cancelled"),
        },
    )
    def post(self, request):
        data = _body(request)
        order_id, quotation_id = data.get("order"), data.get("quotation")
        order = quotation = None
        if order_id not in (None, ""):
            order = order_get_for_user(order_id=order_id, access=self.access)
        if quotation_id not in (None, ""):
            quotation = selectors.quotation_get_for_user(quotation_id=quotation_id, access=self.access)
        values = InvoiceCreateSerializer.read(data)
        invoice = services.invoice_request(access=self.access, order=order, quotation=quotation, **values)
        invoice = selectors.invoice_get_for_user(invoice_id=invoice.pk, access=self.access)
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)


class InvoiceDetailView(StoreGenericAPIView):
    serializer_class = InvoiceSerializer
    required_permissions = {"GET": "invoices.view"}

    @extend_schema(responses={200: InvoiceSerializer})
    def get(self, request, pk):
        return Response(InvoiceSerializer(selectors.invoice_get_for_user(invoice_id=pk, access=self.access)).data)


class InvoiceIssueView(StoreGenericAPIView):
    """Finance issues a requested invoice: multipart ``number`` (unique) and ``file`` (PDF or image)."""

    serializer_class = InvoiceSerializer
    required_permissions = {"POST": "invoices.issue"}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": InvoiceIssueSerializer},
        responses={
            200: InvoiceSerializer,
            400: OpenApiResponse(description="validation_error, invalid_file"),
            409: OpenApiResponse(description="invalid_transition, duplicate_invoice_number"),
            413: OpenApiResponse(description="file_too_large"),
        },
    )
    def post(self, request, pk):
        invoice = selectors.invoice_get_for_user(invoice_id=pk, access=self.access)
        uploads = _files(request, "file")
        values = InvoiceIssueSerializer.read(_body(request), file=uploads[0] if uploads else None)
        services.invoice_issue(access=self.access, invoice_id=invoice.pk, **values)
        return Response(InvoiceSerializer(selectors.invoice_get_for_user(invoice_id=pk, access=self.access)).data)


class InvoiceMailView(StoreGenericAPIView):
    """Finance records the mailing of an issued invoice."""

    serializer_class = InvoiceSerializer
    required_permissions = {"POST": "invoices.issue"}

    @extend_schema(
        request=InvoiceMailSerializer,
        responses={200: InvoiceSerializer, 409: OpenApiResponse(description="invalid_transition")},
    )
    def post(self, request, pk):
        invoice = selectors.invoice_get_for_user(invoice_id=pk, access=self.access)
        values = InvoiceMailSerializer.read(_body(request))
        services.invoice_mail(access=self.access, invoice_id=invoice.pk, **values)
        return Response(InvoiceSerializer(selectors.invoice_get_for_user(invoice_id=pk, access=self.access)).data)


class InvoiceCancelView(StoreGenericAPIView):
    """The requester (or finance) withdraws a requested invoice."""

    serializer_class = InvoiceSerializer
    required_permissions = {"POST": "invoices.request"}

    @extend_schema(
        request=None, responses={200: InvoiceSerializer, 409: OpenApiResponse(description="invalid_transition")}
    )
    def post(self, request, pk):
        invoice = selectors.invoice_get_for_user(invoice_id=pk, access=self.access)
        services.invoice_cancel(access=self.access, invoice_id=invoice.pk)
        return Response(InvoiceSerializer(selectors.invoice_get_for_user(invoice_id=pk, access=self.access)).data)


class InvoiceFileView(StoreAPIView):
    """The issued invoice's file, to members who may see the invoice."""

    required_permissions = {"GET": "invoices.view"}

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()})
    def get(self, request, pk):
        invoice = selectors.invoice_get_for_user(invoice_id=pk, access=self.access)
        if not invoice.file:
            raise NotFound(_("This invoice has no file yet."))
        return files.file_response(invoice)
