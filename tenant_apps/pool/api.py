"""Store-host API of the shared pool: ``/api/v1/pool``, ``/api/v1/claims``, releases and policies.

Refusals are problem+json with a code naming the rule: ``not_in_pool``, ``ownership_cap``,
``daily_claim_limit``, ``reclaim_cooldown``, ``duplicate_claim``, ``claimed_by_another``,
``invalid_transition``. Nothing is written on a refusal.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shared_apps.accounts.serializers import UserNameField
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.viewsets import StoreAPIView, StoreGenericAPIView, StoreViewSet
from tenant_apps.customers.selectors import customer_get_for_user
from tenant_apps.customers.serializers import CustomerSerializer
from tenant_apps.pool import selectors, services
from tenant_apps.pool.models import Claim, Release
from tenant_apps.pool.policies import GRADES


class PoolCustomerSerializer(CustomerSerializer):
    pending_claims = serializers.IntegerField(read_only=True, help_text="Pending claims on this customer.")
    my_pending_claim = serializers.BooleanField(read_only=True, help_text="The caller has a pending claim on it.")

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "pending_claims", "my_pending_claim"]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    applicant = serializers.IntegerField(source="applicant_id", read_only=True)
    applicant_name = UserNameField(source="applicant")
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)
    decided_by_name = UserNameField(source="decided_by")

    class Meta:
        model = Claim
        fields = [
            "id",
            "customer",
            "customer_name",
            "applicant",
            "applicant_name",
            "reason",
            "status",
            "created_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class ClaimCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="A customer in the pool.")
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Why you claim it.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ReleaseSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    former_owner = serializers.IntegerField(source="former_owner_id", read_only=True)
    by = serializers.IntegerField(source="by_id", read_only=True, allow_null=True)

    class Meta:
        model = Release
        fields = ["id", "customer", "customer_name", "former_owner", "cause", "reason", "by", "deadline", "at"]
        read_only_fields = fields


class ReleasedCustomerSerializer(CustomerSerializer):
    """The customer, now in the pool, with the release just recorded."""

    release = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "release"]
        read_only_fields = fields

    @extend_schema_field(ReleaseSerializer)
    def get_release(self, obj) -> dict:
        return ReleaseSerializer(self.context["release"]).data


class GradeOverrideSerializer(serializers.Serializer):
    grace_days = serializers.IntegerField(allow_null=True, required=False)
    max_idle_days = serializers.IntegerField(allow_null=True, required=False)
    return_visit_days = serializers.IntegerField(allow_null=True, required=False)


class EffectivePolicySerializer(serializers.Serializer):
    grace_days = serializers.IntegerField()
    max_idle_days = serializers.IntegerField()
    return_visit_days = serializers.IntegerField()
    ownership_cap = serializers.IntegerField()
    daily_claim_limit = serializers.IntegerField()
    reclaim_cooldown_days = serializers.IntegerField()
    release_warning_days = serializers.IntegerField()


class PoolPoliciesSerializer(serializers.Serializer):
    grades = serializers.DictField(
        child=GradeOverrideSerializer(), help_text="Per-grade overrides (A-D); null uses the store setting."
    )
    effective = serializers.DictField(
        child=EffectivePolicySerializer(), read_only=True, help_text="The rules that apply to each grade."
    )


class PoolPoliciesPatchSerializer(serializers.Serializer):
    grades = serializers.DictField(child=GradeOverrideSerializer())


def _query(request, keys) -> dict[str, str]:
    return {key: request.query_params.get(key) for key in keys if request.query_params.get(key) is not None}


POOL_FILTERS = ("q", "grade", "tag", "channel", "province", "days_in_pool", "ordering")
CLAIM_FILTERS = ("status", "customer", "applicant")
RELEASE_FILTERS = ("cause", "customer", "former_owner")


class PoolView(StoreGenericAPIView):
    """Customers in the shared pool (every role that may view the pool sees all of them)."""

    serializer_class = PoolCustomerSerializer
    required_permissions = {"GET": "pool.view"}
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Name, company, chat id or phone digits."),
            OpenApiParameter("grade", OpenApiTypes.STR, enum=list(GRADES)),
            OpenApiParameter("tag", OpenApiTypes.STR),
            OpenApiParameter("channel", OpenApiTypes.STR, description="A channel code."),
            OpenApiParameter("province", OpenApiTypes.STR),
            OpenApiParameter("days_in_pool", OpenApiTypes.INT, description="In the pool for at least N days."),
            OpenApiParameter("ordering", OpenApiTypes.STR),
        ],
        responses={200: PoolCustomerSerializer(many=True)},
    )
    def get(self, request):
        qs = selectors.pool_customers(access=self.access, filters=_query(request, POOL_FILTERS))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PoolCustomerSerializer(page, many=True).data)


class CustomerReleaseView(StoreAPIView):
    """The owner (or their supervisor, or an admin) puts a customer back into the pool."""

    required_permissions = {"POST": "pool.release"}

    @extend_schema(request=ReasonSerializer, responses={200: ReleasedCustomerSerializer})
    def post(self, request, pk):
        customer = customer_get_for_user(customer_id=pk, access=self.access)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        release = services.release_customer(
            customer_id=customer.pk, access=self.access, reason=serializer.validated_data["reason"]
        )
        customer = customer_get_for_user(customer_id=customer.pk, access=self.access)
        return Response(ReleasedCustomerSerializer(customer, context={"release": release}).data)


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Claims on pool customers. Salespeople file them (with a reason); supervisors of the
    applicant's team (or admins) approve or reject them; the applicant may cancel a pending one."""

    serializer_class = ClaimSerializer
    queryset = Claim.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    required_permissions = {
        "GET": "claims.view",
        "create": "claims.create",
        "approve": "claims.approve",
        "reject": "claims.approve",
        "cancel": "claims.create",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return selectors.claim_list(access=self.access, filters=_query(self.request, CLAIM_FILTERS))

    def get_object(self) -> Claim:
        return selectors.claim_get_for_user(claim_id=self.kwargs["pk"], access=self.access)

    def _fresh(self, claim: Claim) -> dict:
        return ClaimSerializer(selectors.claim_get_for_user(claim_id=claim.pk, access=self.access)).data

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Claim.Status.values)),
            OpenApiParameter("customer", OpenApiTypes.INT),
            OpenApiParameter("applicant", OpenApiTypes.STR, description="A user id, or `me`."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer})
    def create(self, request):
        serializer = ClaimCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_create(
            customer_id=serializer.validated_data["customer"],
            access=self.access,
            reason=serializer.validated_data["reason"],
        )
        return Response(self._fresh(claim), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = services.claim_approve(claim_id=self.get_object().pk, access=self.access)
        return Response(self._fresh(claim))

    @extend_schema(request=ReasonSerializer, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        claim = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_reject(claim_id=claim.pk, access=self.access, reason=serializer.validated_data["reason"])
        return Response(self._fresh(claim))

    @extend_schema(request=None, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        claim = services.claim_cancel(claim_id=self.get_object().pk, access=self.access)
        return Response(self._fresh(claim))


class ReleaseListView(StoreGenericAPIView):
    """The audit of releases (manual and automatic), scoped by former owner like claims."""

    serializer_class = ReleaseSerializer
    required_permissions = {"GET": "pool.view"}
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("cause", OpenApiTypes.STR, enum=list(Release.Cause.values)),
            OpenApiParameter("customer", OpenApiTypes.INT),
            OpenApiParameter("former_owner", OpenApiTypes.STR, description="A user id, or `me`."),
        ],
        responses={200: ReleaseSerializer(many=True)},
    )
    def get(self, request):
        qs = selectors.release_list(access=self.access, filters=_query(request, RELEASE_FILTERS))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ReleaseSerializer(page, many=True).data)


def policies_body() -> dict:
    policies = selectors.pool_policies()
    return {
        "grades": selectors.grade_overrides(),
        "effective": {grade: EffectivePolicySerializer(policies[grade]).data for grade in GRADES},
    }


class PoolPoliciesView(StoreAPIView):
    """Per-grade overrides of the pool rules (grace period, idle days, return-visit deadline).
    The store-wide values are the store settings (``/api/v1/settings``)."""

    required_permissions = {"GET": "pool.view", "PATCH": "pool.policies.manage"}
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: PoolPoliciesSerializer})
    def get(self, request):
        return Response(policies_body())

    @extend_schema(request=PoolPoliciesPatchSerializer, responses={200: PoolPoliciesSerializer})
    def patch(self, request):
        data = request.data
        if not isinstance(data, dict) or "grades" not in data:
            raise ValidationFailed(_("Invalid input."), errors={"grades": [_("This field is required.")]})
        services.grade_policies_update(grades=data["grades"])
        return Response(policies_body())
