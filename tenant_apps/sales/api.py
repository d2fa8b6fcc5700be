"""Store-host API of sales: categories, products (+ price history), quotations (+ actions and
PDF), orders (+ transitions, feedback, export) and deliveries.

Refusals are problem+json: ``validation_error`` (400), ``not_found`` (404), ``invalid_transition``
(409: wrong role or wrong current status), ``approval_required`` (409), ``feedback_not_allowed``
(409). Nothing is written on a refusal.
"""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shared_apps.platform.api import Pagination
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.viewsets import StoreAPIView, StoreViewSet
from tenant_apps.sales import selectors, services
from tenant_apps.sales.couriers import COURIERS
from tenant_apps.sales.inputs import (
    CategoryInputSerializer,
    CommentSerializer,
    DeliveryFailInputSerializer,
    DeliveryTransitionInputSerializer,
    FeedbackInputSerializer,
    OrderInputSerializer,
    ProductCostInputSerializer,
    ProductInputSerializer,
    QuotationInputSerializer,
    QuotationPreviewInputSerializer,
    TransitionInputSerializer,
)
from tenant_apps.sales.models import Category, Delivery, Order, Product, Quotation
from tenant_apps.sales.paging import CappedCountPaginator
from tenant_apps.sales.serializers import (
    CategorySerializer,
    DeliverySerializer,
    OrderDetailSerializer,
    OrderSerializer,
    PriceHistorySerializer,
    ProductCostSerializer,
    ProductSerializer,
    QuotationListSerializer,
    QuotationPreviewSerializer,
    QuotationSerializer,
    cost_context,
)

PRODUCT_FILTERS = ("q", "category", "active")
QUOTATION_FILTERS = ("status", "customer", "owner", "q", "ordering")
ORDER_FILTERS = (
    "status",
    "payment_mode",
    "channel",
    "owner",
    "customer",
    "signed_from",
    "signed_to",
    "overdue",
    "q",
    "ordering",
)
DELIVERY_FILTERS = ("status", "kind")


class OrderPagination(Pagination):
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_is_estimate"] = bool(getattr(self.page.paginator, "estimated", False))
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": "True when the list is longer than 10,000 rows and count is the planner's estimate.",
        }
        return schema


def _query(request, keys) -> dict[str, str]:
    return {key: request.query_params.get(key) for key in keys if request.query_params.get(key) is not None}


def _body(request) -> dict:
    data = request.data
    if hasattr(data, "dict") and not isinstance(data, dict):
        data = data.dict()
    if not isinstance(data, dict):
        raise ValidationFailed(_("A JSON object is expected."))
    return data


ORDER_LIST_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, description="One status or several, comma-separated."),
    OpenApiParameter("payment_mode", OpenApiTypes.STR, enum=list(Order.PaymentMode.values)),
    OpenApiParameter("channel", OpenApiTypes.STR, description="A channel code."),
    OpenApiParameter("owner", OpenApiTypes.STR, description="A user id, or `me`."),
    OpenApiParameter("customer", OpenApiTypes.INT),
    OpenApiParameter("signed_from", OpenApiTypes.DATE, description="Signed on or after (store-local date)."),
    OpenApiParameter("signed_to", OpenApiTypes.DATE, description="Signed on or before (store-local date)."),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Credit orders past due, not fully collected."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Order number prefix or customer name."),
    OpenApiParameter("ordering", OpenApiTypes.STR, description="signed_at, amount, number, due_date, ..."),
]


class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Product categories."""

    serializer_class = CategorySerializer
    queryset = Category.objects.none()
    filter_backends: list = []
    pagination_class = None
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_permissions = {"GET": "products.view", "POST": "products.manage", "PATCH": "products.manage"}

    def get_queryset(self):
        return selectors.category_list()

    def get_object(self):
        return selectors.category_get(category_id=self.kwargs["pk"])

    @extend_schema(request=CategoryInputSerializer, responses={201: CategorySerializer})
    def create(self, request):
        category = services.category_create(access=self.access, **CategoryInputSerializer.read(_body(request)))
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CategoryInputSerializer, responses={200: CategorySerializer})
    def partial_update(self, request, pk=None):
        body = _body(request)
        category = self.get_object()
        values = CategoryInputSerializer.read(body, partial=True)
        category = services.category_update(category_id=category.pk, access=self.access, **values)
        return Response(CategorySerializer(selectors.category_get(category_id=category.pk)).data)


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """The store's product catalogue; changing a product never alters signed orders."""

    serializer_class = ProductSerializer
    queryset = Product.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_permissions = {"GET": "products.view", "POST": "products.manage", "PATCH": "products.manage"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        return selectors.product_list(filters=_query(self.request, PRODUCT_FILTERS))

    def get_object(self):
        return selectors.product_get(product_id=self.kwargs["pk"])

    def get_required_permission(self, request):
        if getattr(self, "action", None) == "costs":
            return "costs.manage" if request.method == "POST" else "costs.view"
        return super().get_required_permission(request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **cost_context(self.access)}

    def _product(self, product, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.product_get(product_id=product.pk)
        return Response(ProductSerializer(fresh, context=cost_context(self.access)).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="SKU, name or spec contains."),
            OpenApiParameter("category", OpenApiTypes.INT),
            OpenApiParameter("active", OpenApiTypes.BOOL),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductSerializer})
    def create(self, request):
        product = services.product_create(access=self.access, **ProductInputSerializer.read(_body(request)))
        return self._product(product, status.HTTP_201_CREATED)

    @extend_schema(request=ProductInputSerializer, responses={200: ProductSerializer})
    def partial_update(self, request, pk=None):
        body = _body(request)
        product = self.get_object()
        values = ProductInputSerializer.read(body, partial=True)
        product = services.product_update(product_id=product.pk, access=self.access, **values)
        return self._product(product)

    @extend_schema(request=ProductCostInputSerializer, responses={200: ProductCostSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], url_path="costs")
    def costs(self, request, pk=None):
        """The product's cost prices (GET: history, latest first; POST: a new one, 201)."""
        if request.method == "POST":
            body = _body(request)
            product = self.get_object()
            values = ProductCostInputSerializer.read(body)
            cost = services.product_cost_add(product_id=product.pk, access=self.access, **values)
            return Response(ProductCostSerializer(cost).data, status=status.HTTP_201_CREATED)
        return Response(ProductCostSerializer(selectors.product_costs(product_id=pk), many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("customer", OpenApiTypes.INT, description="Also the customer's own prices.")],
        responses={200: PriceHistorySerializer},
    )
    @action(detail=True, methods=["get"], url_path="price-history")
    def price_history(self, request, pk=None):
        history = selectors.product_price_history(
            product_id=pk, customer_id=request.query_params.get("customer"), access=self.access
        )
        return Response(PriceHistorySerializer(history).data)


class QuotationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Quotations: a draft is edited, submitted (approved at once, or pending a supervisor's
    approval when its discount rate is below the store threshold), sent and accepted."""

    serializer_class = QuotationSerializer
    queryset = Quotation.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_permissions = {
        "GET": "quotations.view",
        "PATCH": "quotations.create",
        "create": "quotations.create",
        "preview": "quotations.create",
        "submit": "quotations.create",
        "send": "quotations.create",
        "accept": "quotations.create",
        "approve": "quotations.approve",
        "reject": "quotations.approve",
    }

    def get_serializer_class(self):
        return QuotationListSerializer if self.action == "list" else QuotationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Quotation.objects.none()
        return selectors.quotation_list(access=self.access, filters=_query(self.request, QUOTATION_FILTERS))

    def get_object(self):
        return selectors.quotation_get_for_user(quotation_id=self.kwargs["pk"], access=self.access)

    def _fresh(self, quotation, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.quotation_get_for_user(quotation_id=quotation.pk, access=self.access)
        return Response(QuotationSerializer(fresh).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Quotation.Status.values)),
            OpenApiParameter("customer", OpenApiTypes.INT),
            OpenApiParameter("owner", OpenApiTypes.STR, description="A user id, or `me`."),
            OpenApiParameter("q", OpenApiTypes.STR, description="Number prefix or customer name."),
            OpenApiParameter("ordering", OpenApiTypes.STR),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=QuotationInputSerializer, responses={201: QuotationSerializer})
    def create(self, request):
        quotation = services.quotation_create(access=self.access, **QuotationInputSerializer.read(_body(request)))
        return self._fresh(quotation, status.HTTP_201_CREATED)

    @extend_schema(request=QuotationInputSerializer, responses={200: QuotationSerializer})
    def partial_update(self, request, pk=None):
        quotation = self.get_object()
        values = QuotationInputSerializer.read(_body(request), partial=True)
        quotation = services.quotation_update(quotation_id=quotation.pk, access=self.access, **values)
        return self._fresh(quotation)

    @extend_schema(request=QuotationPreviewInputSerializer, responses={200: QuotationPreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """The live figures of a line editor (nothing is stored)."""
        preview = services.quotation_preview(**QuotationPreviewInputSerializer.read(_body(request)))
        return Response(QuotationPreviewSerializer(preview).data)

    @extend_schema(request=None, responses={200: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._fresh(services.quotation_submit(quotation_id=self.get_object().pk, access=self.access))

    @extend_schema(request=CommentSerializer, responses={200: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        quotation = self.get_object()
        values = CommentSerializer.read(_body(request))
        quotation = services.quotation_approve(quotation_id=quotation.pk, access=self.access, **values)
        return self._fresh(quotation)

    @extend_schema(request=CommentSerializer, responses={200: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        quotation = self.get_object()
        values = CommentSerializer.read(_body(request))
        quotation = services.quotation_reject(quotation_id=quotation.pk, access=self.access, **values)
        return self._fresh(quotation)

    @extend_schema(request=None, responses={200: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._fresh(services.quotation_send(quotation_id=self.get_object().pk, access=self.access))

    @extend_schema(request=None, responses={200: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._fresh(services.quotation_accept(quotation_id=self.get_object().pk, access=self.access))

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        from tenant_apps.sales.pdf import quotation_pdf

        quotation = self.get_object()
        response = HttpResponse(quotation_pdf(quotation=quotation), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{quotation.number}.pdf"'
        return response


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Contract orders and their pipeline (product.md 3.3)."""

    serializer_class = OrderSerializer
    queryset = Order.objects.none()
    filter_backends: list = []
    pagination_class = OrderPagination
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "head", "options"]
    required_permissions = {
        "GET": "orders.view",
        "create": "orders.create",
        "transition": "orders.view",
        "feedback": "orders.feedback",
        "export": "orders.export",
    }

    def get_serializer_class(self):
        return OrderDetailSerializer if self.action == "retrieve" else OrderSerializer

    def get_required_permission(self, request):
        if getattr(self, "action", None) == "export":
            return "orders.export"
        return super().get_required_permission(request)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.order_list(access=self.access, filters=_query(self.request, ORDER_FILTERS))

    def get_object(self):
        return selectors.order_get_for_user(order_id=self.kwargs["pk"], access=self.access)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **cost_context(self.access)}

    def _detail(self, order, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.order_get_for_user(order_id=order.pk, access=self.access)
        return Response(OrderDetailSerializer(fresh, context=cost_context(self.access)).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(parameters=ORDER_LIST_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=OrderInputSerializer, responses={201: OrderDetailSerializer})
    def create(self, request):
        order = services.order_create(access=self.access, **OrderInputSerializer.read(_body(request)))
        return self._detail(order, status.HTTP_201_CREATED)

    @extend_schema(request=TransitionInputSerializer, responses={200: OrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        body = _body(request)
        order = self.get_object()
        values = TransitionInputSerializer.read(body)
        order = services.order_transition(order_id=order.pk, access=self.access, **values)
        return self._detail(order)

    @extend_schema(request=FeedbackInputSerializer, responses={200: OrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        body = _body(request)
        order = self.get_object()
        values = FeedbackInputSerializer.read(body)
        order = services.order_feedback(order_id=order.pk, access=self.access, **values)
        return self._detail(order)

    @extend_schema(
        parameters=ORDER_LIST_PARAMETERS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY
            )
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        from tenant_apps.sales.exporting import export_orders

        qs = selectors.order_list(access=self.access, filters=_query(request, ORDER_FILTERS))
        response: StreamingHttpResponse = export_orders(orders=qs, costs=self.access.can("costs.view"))
        return response


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Deliveries: the orders' own and those after-sales cases create (the warehouse's queue)."""

    serializer_class = DeliverySerializer
    queryset = Delivery.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "head", "options"]
    required_permissions = {"GET": "orders.view", "transition": "orders.view", "fail": "orders.ship"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return selectors.delivery_list(access=self.access, filters=_query(self.request, DELIVERY_FILTERS))

    def get_object(self):
        return selectors.delivery_get_for_user(delivery_id=self.kwargs["pk"], access=self.access)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Delivery.Status.values)),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(Delivery.Kind.values)),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DeliveryFailInputSerializer, responses={200: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None):
        """Mark a delivery that left the warehouse as failed, with the reason."""
        body = _body(request)
        delivery = self.get_object()
        values = DeliveryFailInputSerializer.read(body)
        delivery = services.delivery_fail(delivery=delivery, access=self.access, **values)
        return Response(
            DeliverySerializer(selectors.delivery_get_for_user(delivery_id=delivery.pk, access=self.access)).data
        )

    @extend_schema(request=DeliveryTransitionInputSerializer, responses={200: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        body = _body(request)
        delivery = self.get_object()
        values = DeliveryTransitionInputSerializer.read(body)
        delivery = services.delivery_transition(delivery=delivery, access=self.access, **values)
        return Response(
            DeliverySerializer(selectors.delivery_get_for_user(delivery_id=delivery.pk, access=self.access)).data
        )


class CourierSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What a delivery's `carrier` keeps for this courier.")
    name = serializers.CharField(help_text="The courier's name in the request's language.")


class CourierListView(StoreAPIView):
    """The couriers a shipment may name (`carrier`): listed codes; any other name is kept as typed."""

    required_permissions = {"GET": "orders.view"}

    @extend_schema(responses={200: CourierSerializer(many=True)})
    def get(self, request):
        return Response([{"code": c.code, "name": str(c.label)} for c in COURIERS])
