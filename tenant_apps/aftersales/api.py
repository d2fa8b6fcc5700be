"""Store-host API of after-sales: ``/api/v1/after-sales`` and the case actions.

``POST /api/v1/after-sales`` applies: ``{"order", "type", "reason", "amount", "items":
[{"order_line", "quantity"}], "reissue_invoice"}``. Actions on ``/api/v1/after-sales/{id}/``:
``approve`` and ``reject`` (``{"comment"}``), ``process`` (``{"method"}`` for refunds),
``return-received``, ``complete``, ``cancel``. A step the case's state or the caller's role does
not allow is 409 ``invalid_transition``; other refusals: ``order_cancelled``,
``cancellation_required``, ``over_refund`` (409), ``validation_error`` (400). Nothing is written on
a refusal.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.viewsets import StoreViewSet
from tenant_apps.aftersales import selectors, services
from tenant_apps.aftersales.inputs import (
    CaseCommentSerializer,
    CaseCreateSerializer,
    CaseProcessSerializer,
    CaseRejectSerializer,
)
from tenant_apps.aftersales.models import Case
from tenant_apps.aftersales.serializers import CaseEventSerializer, CaseSerializer


class CaseDetailSerializer(CaseSerializer):
    events = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events"]
        read_only_fields = fields

    @extend_schema_field(CaseEventSerializer(many=True))
    def get_events(self, obj: Case) -> list[dict]:
        return CaseEventSerializer(selectors.case_events(case=obj), many=True).data


def _body(request) -> dict:
    data = request.data
    if data is None or data == "":
        return {}
    if not hasattr(data, "get"):
        message = _("A JSON object is expected.")
        raise ValidationFailed(message, errors={"non_field_errors": [message]})
    return data


LIST_PARAMETERS = [
    OpenApiParameter("created_from", OpenApiTypes.STR, description="A date (inclusive, store time) or a time."),
    OpenApiParameter("created_to", OpenApiTypes.STR, description="A date (inclusive, store time) or a time."),
    OpenApiParameter("status", OpenApiTypes.STR, description="One status or several separated by commas."),
    OpenApiParameter("type", OpenApiTypes.STR, description="One type or several separated by commas."),
    OpenApiParameter("order", OpenApiTypes.INT),
    OpenApiParameter("customer", OpenApiTypes.INT),
    OpenApiParameter("applicant", OpenApiTypes.STR, description="A user id, or `me`."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Order number or customer name contains."),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=[f"{sign}{field}" for field in selectors.ORDERING_FIELDS for sign in ("", "-")],
    ),
]


class CaseViewSet(mixins.ListModelMixin, StoreViewSet):
    """After-sales cases, scoped by the visibility of their order. Salespeople (and supervisors,
    admins) apply; supervisors approve or reject; supervisors, finance, the warehouse and admins
    process; the applicant or a supervisor cancels before processing."""

    serializer_class = CaseSerializer
    queryset = Case.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    # Steps are open to every viewer here: the service refuses a role that may not take them with
    # 409 ``invalid_transition`` (like the order pipeline), naming what is missing.
    required_permissions = {
        "GET": "aftersales.view",
        "create": "aftersales.create",
        "approve": "aftersales.view",
        "reject": "aftersales.view",
        "process": "aftersales.view",
        "return_received": "aftersales.view",
        "complete": "aftersales.view",
        "cancel": "aftersales.view",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        filters = {k: self.request.query_params.get(k) for k in selectors.LIST_FILTERS}
        return selectors.case_list(access=self.access, filters={k: v for k, v in filters.items() if v is not None})

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": getattr(self.request, "store_access", None)}

    def get_object(self) -> Case:
        return selectors.case_get_for_user(case_id=self.kwargs["pk"], access=self.access)

    def _detail(self, case_id: int, code: int = status.HTTP_200_OK) -> Response:
        case = selectors.case_get_for_user(case_id=case_id, access=self.access)
        return Response(CaseDetailSerializer(case, context={"access": self.access}).data, status=code)

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset().prefetch_related("items__order_line")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CaseSerializer(page, many=True, context={"access": self.access}).data)

    @extend_schema(responses={200: CaseDetailSerializer})
    def retrieve(self, request, pk=None):
        return self._detail(self.get_object().pk)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer})
    def create(self, request):
        case = services.case_apply(access=self.access, **CaseCreateSerializer.read(_body(request)))
        return self._detail(case.pk, status.HTTP_201_CREATED)

    @extend_schema(request=CaseCommentSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        case = self.get_object()
        services.case_approve(access=self.access, case_id=case.pk, **CaseCommentSerializer.read(_body(request)))
        return self._detail(case.pk)

    @extend_schema(request=CaseRejectSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        case = self.get_object()
        services.case_reject(access=self.access, case_id=case.pk, **CaseRejectSerializer.read(_body(request)))
        return self._detail(case.pk)

    @extend_schema(request=CaseProcessSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def process(self, request, pk=None):
        case = self.get_object()
        services.case_process(access=self.access, case_id=case.pk, **CaseProcessSerializer.read(_body(request)))
        return self._detail(case.pk)

    @extend_schema(request=None, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="return-received")
    def return_received(self, request, pk=None):
        case = self.get_object()
        services.case_return_received(case_id=case.pk, access=self.access)
        return self._detail(case.pk)

    @extend_schema(request=None, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        case = self.get_object()
        services.case_complete(case_id=case.pk, access=self.access)
        return self._detail(case.pk)

    @extend_schema(request=None, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        case = self.get_object()
        services.case_cancel(case_id=case.pk, access=self.access)
        return self._detail(case.pk)
