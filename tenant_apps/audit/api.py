"""Store-host API: ``GET /api/v1/audit`` (the action log) and ``GET /api/v1/audit/logins``
(sign-ins and failures), store admins only, newest first."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from shared_apps.platform.viewsets import StoreGenericAPIView
from tenant_apps.audit import filters, selectors
from tenant_apps.audit.models import ActionEntry, SignIn
from tenant_apps.audit.serializers import ActionEntrySerializer, SignInSerializer

ENTRY_PARAMETERS = [
    OpenApiParameter("actor", OpenApiTypes.STR, description="a user id, or an email / job:<name>"),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="app.model, e.g. customers.customer"),
    OpenApiParameter("object_id", OpenApiTypes.STR),
    OpenApiParameter("since", OpenApiTypes.STR, description="a date (store's day) or an ISO 8601 time"),
    OpenApiParameter("until", OpenApiTypes.STR, description="a date (inclusive) or an ISO 8601 time (exclusive)"),
]


class AuditListView(StoreGenericAPIView):
    """Every recorded write in this store: who, from where, which record, which fields changed."""

    required_permission = "audit.view"
    serializer_class = ActionEntrySerializer
    queryset = ActionEntry.objects.none()

    @extend_schema(parameters=ENTRY_PARAMETERS, responses={200: ActionEntrySerializer(many=True)})
    def get(self, request):
        rows = selectors.entries(**filters.entry_filters(request.query_params))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ActionEntrySerializer(page, many=True).data)


SIGN_IN_PARAMETERS = [
    OpenApiParameter("email", OpenApiTypes.STR),
    OpenApiParameter("succeeded", OpenApiTypes.BOOL),
    *ENTRY_PARAMETERS[3:],
]


class SignInListView(StoreGenericAPIView):
    """Sign-ins to this store (page and token) and failed attempts, with address and user agent."""

    required_permission = "audit.view"
    serializer_class = SignInSerializer
    queryset = SignIn.objects.none()

    @extend_schema(parameters=SIGN_IN_PARAMETERS, responses={200: SignInSerializer(many=True)})
    def get(self, request):
        rows = selectors.sign_ins(**filters.sign_in_filters(request.query_params))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SignInSerializer(page, many=True).data)
