"""Store-host API of customers: ``/api/v1/customers``, follow-ups, tags and merge.

Every read goes through the selectors, which apply the caller's visibility: a salesperson never
reaches another salesperson's customer (404), the pool is visible to every role that may view
customers.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from shared_apps.platform.viewsets import StoreAPIView, StoreGenericAPIView, StoreViewSet
from tenant_apps.customers import panels, personal_data, selectors, services
from tenant_apps.customers.models import Customer, FollowUp, Tag
from tenant_apps.customers.serializers import (
    CustomerDetailSerializer,
    CustomerMergeSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    FollowUpCreateSerializer,
    FollowUpSerializer,
    MergeRequestSerializer,
    TagSerializer,
    TagWriteSerializer,
)

LIST_FILTERS = ("q", "owner", "in_pool", "grade", "tag", "channel", "province", "follow_up_due", "ordering")

LIST_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Name or company contains; chat id or phone digits start."),
    OpenApiParameter("owner", OpenApiTypes.STR, description="Owner's user id, or `me`."),
    OpenApiParameter("in_pool", OpenApiTypes.BOOL, description="Only customers in (true) or out of (false) the pool."),
    OpenApiParameter("grade", OpenApiTypes.STR, enum=["A", "B", "C", "D"]),
    OpenApiParameter("tag", OpenApiTypes.STR, description="A tag name."),
    OpenApiParameter("channel", OpenApiTypes.STR, description="A channel code."),
    OpenApiParameter("province", OpenApiTypes.STR),
    OpenApiParameter(
        "follow_up_due",
        OpenApiTypes.STR,
        enum=list(selectors.FOLLOW_UP_DUE_VALUES),
        description="due: next follow-up now or earlier; overdue: past the store's grace period; today.",
    ),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=[f"{sign}{field}" for field in selectors.ORDERING_FIELDS for sign in ("", "-")],
    ),
]


def registered_filter_parameters() -> list[OpenApiParameter]:
    """The filters other modules register on the customer list, as OpenAPI parameters."""
    return [
        OpenApiParameter(
            extra.key,
            OpenApiTypes.STR,
            enum=None if extra.multiple else [value for value, _label in extra.choices() if value] or None,
            description=extra.description
            + (f" One or more of: {', '.join(v for v, _label in extra.choices() if v)}." if extra.multiple else ""),
        )
        for extra in panels.list_filters()
    ]


class CustomerListSchema(AutoSchema):
    """Documents the registered list filters on the list (and its export) next to the fixed ones:
    they are known only once every module is loaded, after the decorators ran."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "GET" and getattr(self.view, "action", "list") == "list":
            parameters = [*parameters, *registered_filter_parameters()]
        return parameters


def list_filters(request) -> dict[str, str]:
    """The list filters of the query string (also used by the export), with other modules' filters."""
    keys = (*LIST_FILTERS, *(extra.key for extra in panels.list_filters()))
    return {key: request.query_params.get(key) for key in keys if request.query_params.get(key) is not None}


class CustomerViewSet(mixins.ListModelMixin, StoreViewSet):
    """Customers visible to the caller. Salespeople create (and own) customers; the owner, their
    supervisor or an admin edit them. A mobile number or chat id already held by another customer
    is refused with 409 ``duplicate_customer`` naming it (``existing``)."""

    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()
    schema = CustomerListSchema()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    required_permissions = {"GET": "customers.view", "POST": "customers.create", "PATCH": "customers.edit"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        return selectors.customer_list(access=self.access, filters=list_filters(self.request))

    def get_object(self) -> Customer:
        return selectors.customer_get_for_user(customer_id=self.kwargs["pk"], access=self.access)

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CustomerWriteSerializer, responses={201: CustomerSerializer})
    def create(self, request):
        serializer = CustomerWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        customer = services.customer_create(data=dict(serializer.validated_data), access=self.access)
        customer = selectors.customer_get_for_user(customer_id=customer.pk, access=self.access)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CustomerDetailSerializer})
    def retrieve(self, request, pk=None):
        return Response(CustomerDetailSerializer(self.get_object()).data)

    @extend_schema(request=CustomerWriteSerializer, responses={200: CustomerSerializer})
    def partial_update(self, request, pk=None):
        customer = self.get_object()
        serializer = CustomerWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.customer_update(customer=customer, data=dict(serializer.validated_data), access=self.access)
        return Response(CustomerSerializer(self.get_object()).data)


class CustomerFollowUpsView(StoreGenericAPIView):
    """A customer's follow-ups, newest first; POST records one and moves the customer's last and
    next follow-up."""

    serializer_class = FollowUpSerializer
    queryset = FollowUp.objects.none()
    filter_backends: list = []
    required_permissions = {"GET": "customers.view", "POST": "followups.create"}

    def _customer(self) -> Customer:
        return selectors.customer_get_for_user(customer_id=self.kwargs["pk"], access=self.access)

    @extend_schema(responses={200: FollowUpSerializer(many=True)})
    def get(self, request, pk):
        page = self.paginate_queryset(selectors.follow_up_list(customer=self._customer()))
        return self.get_paginated_response(FollowUpSerializer(page, many=True).data)

    @extend_schema(request=FollowUpCreateSerializer, responses={201: FollowUpSerializer})
    def post(self, request, pk):
        customer = self._customer()
        serializer = FollowUpCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        follow_up = services.follow_up_add(
            customer=customer,
            access=self.access,
            kind=data["kind"],
            content=data["content"],
            outcome=data.get("outcome") or "",
            next_follow_up_at=data.get("next_follow_up_at"),
        )
        follow_up = selectors.follow_up_list(customer=customer).get(pk=follow_up.pk)
        return Response(FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)


class CustomerPersonalDataView(StoreAPIView):
    """Everything the store holds about the person (store admins): the profile and the records
    merged into it, follow-ups, quotations, orders, payments, invoices, after-sales cases, pool
    history, scores and the action log's entries about them. The export is recorded in the action log."""

    required_permission = "customers.personal_data"

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        customer = selectors.customer_get_for_user(customer_id=pk, access=self.access)
        return Response(personal_data.personal_data_export(customer=customer, access=self.access))


class CustomerEraseView(StoreAPIView):
    """Erase the person's personal data (store admins): name, phone and chat ids, address and the
    free text about them become anonymised everywhere in the store (and in its action log); orders,
    amounts and every figure stay. Answers the customer with ``erased_at``; a second erasure is
    409 ``already_erased``."""

    required_permissions = {"POST": "customers.personal_data"}

    @extend_schema(request=None, responses={200: CustomerSerializer})
    def post(self, request, pk):
        customer = selectors.customer_get_for_user(customer_id=pk, access=self.access)
        personal_data.customer_erase(customer=customer, access=self.access)
        customer = selectors.customer_get_for_user(customer_id=pk, access=self.access)
        return Response(CustomerSerializer(customer).data)


class CustomerMergeView(StoreAPIView):
    """Merge ``merged`` into ``survivor`` (supervisors and admins; both must be visible)."""

    required_permissions = {"POST": "customers.merge"}

    @extend_schema(request=MergeRequestSerializer, responses={201: CustomerMergeSerializer})
    def post(self, request):
        serializer = MergeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survivor = selectors.customer_get_for_user(
            customer_id=serializer.validated_data["survivor"], access=self.access
        )
        merged = selectors.customer_get_for_user(customer_id=serializer.validated_data["merged"], access=self.access)
        record = services.customer_merge(survivor=survivor, merged=merged, access=self.access)
        return Response(CustomerMergeSerializer(record).data, status=status.HTTP_201_CREATED)


class TagViewSet(mixins.ListModelMixin, StoreViewSet):
    """The store's customer tags. Everyone who sees customers reads them; supervisors and admins
    manage them (deleting a tag removes it from its customers)."""

    serializer_class = TagSerializer
    queryset = Tag.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    required_permissions = {
        "GET": "customers.view",
        "POST": "tags.manage",
        "PATCH": "tags.manage",
        "DELETE": "tags.manage",
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Tag.objects.none()
        return selectors.tag_list()

    def get_object(self) -> Tag:
        return selectors.tag_get(tag_id=self.kwargs["pk"])

    @extend_schema(request=TagWriteSerializer, responses={201: TagSerializer})
    def create(self, request):
        serializer = TagWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tag = services.tag_create(name=data.get("name", ""), color=data.get("color", ""), access=self.access)
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TagWriteSerializer, responses={200: TagSerializer})
    def partial_update(self, request, pk=None):
        tag = self.get_object()
        serializer = TagWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tag = services.tag_update(tag=tag, name=data.get("name"), color=data.get("color"), access=self.access)
        return Response(TagSerializer(tag).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.tag_delete(tag=self.get_object(), access=self.access)
        return Response(status=status.HTTP_204_NO_CONTENT)
