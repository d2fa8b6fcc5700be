"""Store-host API of automation (api.md): ``/api/v1/automations`` (GET, POST),
``/api/v1/automations/{id}`` (GET, PATCH, DELETE), ``/api/v1/automations/templates`` (GET),
``/api/v1/automations/{id}/runs`` (GET) and ``/api/v1/automations/{id}/reset`` (POST).

Store admins write; supervisors and HQ read.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shared_apps.platform.viewsets import StoreViewSet
from tenant_apps.automation import selectors, services, templates
from tenant_apps.automation.models import Rule, RuleRun


class AutomationRuleSerializer(serializers.ModelSerializer):
    trigger = serializers.JSONField(
        help_text='{"event": "order.status_changed"} or {"schedule": "daily 09:00", "records": "orders"}'
    )
    conditions = serializers.JSONField(
        help_text='{"all": [{"field": "status", "op": "eq", "value": "pending_outbound"}]}'
    )
    actions = serializers.JSONField(help_text='[{"type": "notify", "owner": true, "roles": ["supervisor"]}, ...]')
    params = serializers.JSONField()
    inherited = serializers.SerializerMethodField()

    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "trigger",
            "conditions",
            "actions",
            "active",
            "template",
            "params",
            "source",
            "inherited",
            "hq_rule_id",
            "failures_in_a_row",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_inherited(self, obj: Rule) -> bool:
        """True while the rule follows HQ's default."""
        return obj.source == Rule.Source.HQ


class AutomationRuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False)
    trigger = serializers.JSONField(required=False)
    conditions = serializers.JSONField(required=False)
    actions = serializers.JSONField(required=False)
    active = serializers.BooleanField(required=False)
    template = serializers.CharField(required=False, help_text="A ready-made rule's key (see /automations/templates).")
    params = serializers.JSONField(required=False)


class AutomationRunSerializer(serializers.ModelSerializer):
    rule = serializers.IntegerField(source="rule_id", read_only=True)
    actions_done = serializers.JSONField()

    class Meta:
        model = RuleRun
        fields = ["id", "rule", "record_type", "record_id", "occurrence", "outcome", "actions_done", "error", "at"]
        read_only_fields = fields


@extend_schema_field({"type": ["number", "string"]})
class BoundField(serializers.JSONField):
    """A parameter's bound: a number (an amount as a decimal string), or null for none."""


class AutomationParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    default = serializers.JSONField()
    minimum = BoundField(allow_null=True)
    maximum = BoundField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())


class AutomationTemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    params = AutomationParamSerializer(many=True)
    actions = serializers.JSONField()
    rule = serializers.IntegerField(allow_null=True, help_text="The store's rule of it, if any.")
    active = serializers.BooleanField()


def _json_number(value):
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


def template_rows() -> list[dict]:
    rules = selectors.template_rules()
    rows = []
    for template in templates.TEMPLATES:
        rule = rules.get(template.key)
        rows.append(
            {
                "key": template.key,
                "label": str(template.label),
                "description": str(template.description),
                "params": [
                    {
                        "name": p.name,
                        "label": str(p.label),
                        "type": {int: "integer", str: "choice"}.get(p.kind, "decimal"),
                        "default": _json_number(p.default),
                        "minimum": _json_number(p.minimum),
                        "maximum": _json_number(p.maximum),
                        "choices": list(p.choices),
                    }
                    for p in template.params
                ],
                "actions": template.actions,
                "rule": rule.pk if rule else None,
                "active": bool(rule and rule.active),
            }
        )
    return rows


class AutomationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, StoreViewSet):
    """Automation rules of the store: triggers, conditions, actions; the ready-made ones and HQ's."""

    serializer_class = AutomationRuleSerializer
    queryset = Rule.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_permissions = {
        "GET": "automation.view",
        "POST": "automation.manage",
        "PATCH": "automation.manage",
        "DELETE": "automation.manage",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Rule.objects.none()
        services.inherit_hq_rules()
        return selectors.rule_list()

    def get_object(self) -> Rule:
        return selectors.rule_get(rule_id=self.kwargs["pk"])

    @extend_schema(request=AutomationRuleInputSerializer, responses={201: AutomationRuleSerializer})
    def create(self, request):
        rule = services.rule_create(data=request.data, access=self.access)
        return Response(AutomationRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AutomationRuleInputSerializer, responses={200: AutomationRuleSerializer})
    def partial_update(self, request, pk=None):
        rule = services.rule_update(rule=self.get_object(), data=request.data, access=self.access)
        return Response(AutomationRuleSerializer(rule).data)

    def perform_destroy(self, instance: Rule) -> None:
        services.rule_delete(rule=instance)

    @extend_schema(responses={200: AutomationTemplateSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def templates(self, request):
        """The ready-made rules, their parameters and whether the store has them on."""
        services.inherit_hq_rules()
        return Response(AutomationTemplateSerializer(template_rows(), many=True).data)

    @extend_schema(responses={200: AutomationRunSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def runs(self, request, pk=None):
        """The rule's run log, newest first (paginated)."""
        queryset = selectors.run_list(rule=self.get_object())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AutomationRunSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: AutomationRuleSerializer})
    @action(detail=True, methods=["post"])
    def reset(self, request, pk=None):
        """Put a rule that came from HQ back on HQ's default."""
        return Response(AutomationRuleSerializer(services.rule_reset(rule=self.get_object())).data)
