"""Store-host API of leads (api.md): ``/api/v1/leads`` (GET, POST), ``/api/v1/leads/{id}``,
``/api/v1/leads/{id}/convert``, ``/lose``, ``/assign``, ``/contact``, ``/api/v1/leads/import``,
``/api/v1/leads/settings``, ``/api/v1/leads/rules`` and ``/api/v1/leads/agents``.

Integrations post leads with an API token of a store member allowed to take in leads.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.viewsets import StoreAPIView, StoreViewSet
from tenant_apps.imports.api import ImportUploadView, import_upload_schema
from tenant_apps.leads import selectors, services
from tenant_apps.leads.importing import KIND
from tenant_apps.leads.models import DistributionRule, Lead, LeadAgent, LeadAssignment, LeadSettings
from tenant_apps.leads.serializers import LeadSerializer

LIST_FILTERS = ("status", "owner", "channel", "source", "customer", "q", "overdue", "ordering")


class AssignmentSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    previous_owner = serializers.IntegerField(source="previous_owner_id", read_only=True, allow_null=True)
    by = serializers.IntegerField(source="by_id", read_only=True, allow_null=True)

    class Meta:
        model = LeadAssignment
        fields = ["owner", "previous_owner", "cause", "by", "at"]
        read_only_fields = fields


class LeadDetailSerializer(LeadSerializer):
    assignments = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "assignments"]
        read_only_fields = fields

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, obj: Lead) -> list:
        return AssignmentSerializer(selectors.lead_assignments(lead=obj), many=True).data


class LeadWriteSerializer(serializers.Serializer):
    """The documented fields of a new lead (the service checks them; this describes them)."""

    channel = serializers.CharField(required=False, allow_blank=True, help_text="A channel code.")
    name = serializers.CharField(required=False, allow_blank=True)
    mobile = serializers.CharField(required=False, allow_blank=True)
    wechat_id = serializers.CharField(required=False, allow_blank=True)
    platform_chat_id = serializers.CharField(required=False, allow_blank=True)
    message = serializers.CharField(required=False, allow_blank=True)
    source = serializers.CharField(required=False, allow_blank=True)
    grade = serializers.CharField(required=False, allow_blank=True, help_text="A, B, C or D (for the rules).")
    province = serializers.CharField(required=False, allow_blank=True, help_text="The region (for the rules).")
    received_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class LeadLoseSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the lead was lost.")


class AssignSerializer(serializers.Serializer):
    owner = serializers.IntegerField(allow_null=True, help_text="A salesperson or supervisor; null: the queue.")


def _body(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


class LeadViewSet(mixins.ListModelMixin, StoreViewSet):
    """Leads the caller may see. Every new lead is checked against the customers and distributed
    by the store's rules (``owner`` null: it waits in the queue)."""

    serializer_class = LeadSerializer
    queryset = Lead.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    required_permissions = {
        "GET": "leads.view",
        "create": "leads.create",
        "convert": "leads.work",
        "lose": "leads.work",
        "contact": "leads.work",
        "assign": "leads.assign",
    }
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        params = self.request.query_params
        return selectors.lead_list(access=self.access, filters={k: params.get(k) for k in LIST_FILTERS if k in params})

    def get_object(self) -> Lead:
        return selectors.lead_get_for_user(lead_id=self.kwargs["pk"], access=self.access)

    def _fresh(self, lead: Lead, serializer=LeadSerializer) -> dict:
        return serializer(selectors.lead_get_for_user(lead_id=lead.pk, access=self.access)).data

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Lead.Status.values)),
            OpenApiParameter("owner", OpenApiTypes.STR, description="A user id, `me`, or `none` (the queue)."),
            OpenApiParameter("channel", OpenApiTypes.STR, description="A channel code."),
            OpenApiParameter("source", OpenApiTypes.STR),
            OpenApiParameter("customer", OpenApiTypes.INT),
            OpenApiParameter("q", OpenApiTypes.STR, description="Name, chat id or phone digits."),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="New leads past their first-response time."),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=[f"{sign}{field}" for field in selectors.ORDERING_FIELDS for sign in ("", "-")],
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=LeadWriteSerializer, responses={201: LeadSerializer})
    def create(self, request):
        lead = services.lead_create(data=request.data, access=self.access)
        # The caller may not see the lead once it went to someone else: answer what was stored.
        return Response(LeadSerializer(lead).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: LeadDetailSerializer})
    def retrieve(self, request, pk=None):
        return Response(LeadDetailSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = services.lead_convert(lead_id=self.get_object().pk, access=self.access)
        return Response(self._fresh(lead))

    @extend_schema(request=LeadLoseSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        lead = services.lead_lose(lead_id=self.get_object().pk, access=self.access, reason=_body(request).get("reason"))
        return Response(self._fresh(lead))

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        lead = services.lead_contact(lead_id=self.get_object().pk, access=self.access)
        return Response(self._fresh(lead))

    @extend_schema(request=AssignSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        body = _body(request)
        if "owner" not in body:
            raise ValidationFailed(_("Invalid input."), errors={"owner": [_("This field is required.")]})
        lead = services.lead_assign(lead_id=self.get_object().pk, owner=body["owner"], access=self.access)
        return Response(LeadSerializer(lead).data)


class LeadImportView(ImportUploadView):
    """Import leads from a CSV or XLSX file, one lead per row."""

    import_kind = KIND
    required_permissions = {"POST": "leads.create"}

    @import_upload_schema(
        summary="Import leads",
        description=(
            "Columns are matched by name (English or Chinese: 姓名, 手机, 微信, 旺旺, 渠道, 留言, 来源, 询盘时间...) "
            "or by `mapping`; each row needs a mobile number, a WeChat ID or a platform chat ID. Each row is taken in "
            "like a lead posted to /api/v1/leads (checked against the customers, distributed by the rules)."
        ),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LeadSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadSettings
        fields = ["first_response_minutes", "open_lead_cap", "enquiries_from_leads"]


class LeadSettingsView(StoreAPIView):
    """The store's distribution settings: first-response time, cap of open leads per person,
    whether the daily enquiry figures are counted from the leads."""

    required_permissions = {"GET": "leads.view", "PATCH": "leads.rules.manage"}
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: LeadSettingsSerializer})
    def get(self, request):
        return Response(LeadSettingsSerializer(selectors.lead_settings_get()).data)

    @extend_schema(request=LeadSettingsSerializer, responses={200: LeadSettingsSerializer})
    def patch(self, request):
        return Response(
            LeadSettingsSerializer(services.lead_settings_update(access=self.access, data=request.data)).data
        )


class RuleSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    members = serializers.ListField(child=serializers.IntegerField(), help_text="User ids of the salespeople.")

    class Meta:
        model = DistributionRule
        fields = ["id", "name", "priority", "channel", "grade", "province", "members", "active", "created_at"]
        read_only_fields = ["id", "created_at"]


class RuleListView(StoreAPIView):
    """Distribution rules, tried by priority: leads of the rule's channel, grade and region go
    round-robin to its members."""

    required_permissions = {"GET": "leads.view", "POST": "leads.rules.manage"}

    @extend_schema(responses={200: RuleSerializer(many=True)})
    def get(self, request):
        return Response(RuleSerializer(selectors.rule_list(), many=True).data)

    @extend_schema(request=RuleSerializer, responses={201: RuleSerializer})
    def post(self, request):
        rule = services.rule_create(access=self.access, data=request.data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailView(StoreAPIView):
    required_permissions = {"DELETE": "leads.rules.manage"}
    http_method_names = ["delete", "options"]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.rule_delete(access=self.access, rule_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgentSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")

    class Meta:
        model = LeadAgent
        fields = ["user", "on_duty", "assigned_total"]
        read_only_fields = ["assigned_total"]


class AgentListView(StoreAPIView):
    """Who is on duty for round-robin; POST ``{"user", "on_duty"}`` changes one."""

    required_permissions = {"GET": "leads.view", "POST": "leads.assign"}

    @extend_schema(responses={200: AgentSerializer(many=True)})
    def get(self, request):
        return Response(AgentSerializer(selectors.agent_list(), many=True).data)

    @extend_schema(request=AgentSerializer, responses={200: AgentSerializer})
    def post(self, request):
        body = _body(request)
        agent = services.agent_set_duty(access=self.access, user_id=body.get("user"), on_duty=body.get("on_duty"))
        return Response(AgentSerializer(agent).data)
