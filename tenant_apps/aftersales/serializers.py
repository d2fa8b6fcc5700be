"""An after-sales case as the API shows it, which its services also write into the case's events."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared_apps.accounts.serializers import UserNameField
from tenant_apps.aftersales import rules
from tenant_apps.aftersales.models import Case, CaseEvent, CaseItem


class CaseItemSerializer(serializers.ModelSerializer):
    order_line = serializers.IntegerField(source="order_line_id", read_only=True)
    sku = serializers.CharField(source="order_line.sku", read_only=True)
    product_name = serializers.CharField(source="order_line.product_name", read_only=True)
    ordered = serializers.IntegerField(source="order_line.quantity", read_only=True)

    class Meta:
        model = CaseItem
        fields = ["id", "order_line", "sku", "product_name", "ordered", "quantity"]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    actor_name = UserNameField(source="actor")

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "from_status", "to_status", "actor", "actor_name", "message", "data", "at"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    order = serializers.IntegerField(source="order_id", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer = serializers.IntegerField(source="order.customer_id", read_only=True)
    customer_name = serializers.CharField(source="order.customer.name", read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    items = CaseItemSerializer(many=True, read_only=True)
    applicant = serializers.IntegerField(source="applicant_id", read_only=True)
    applicant_name = UserNameField(source="applicant")
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)
    decided_by_name = UserNameField(source="decided_by")
    refund_payment = serializers.IntegerField(source="refund_payment_id", read_only=True, allow_null=True)
    delivery = serializers.IntegerField(source="delivery_id", read_only=True, allow_null=True)
    actions = serializers.SerializerMethodField(help_text="The actions the caller may take on this case now.")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "customer",
            "customer_name",
            "type",
            "status",
            "reason",
            "amount",
            "reissue_invoice",
            "refund_method",
            "items",
            "applicant",
            "applicant_name",
            "created_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_comment",
            "processed_at",
            "return_received_at",
            "refund_payment",
            "delivery",
            "completed_at",
            "cancelled_at",
            "note",
            "updated_at",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=rules.ACTIONS)))
    def get_actions(self, obj: Case) -> list[str]:
        access = self.context.get("access")
        return rules.allowed_actions(obj, access) if access is not None else []
