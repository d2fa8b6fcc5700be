"""A payment record as the API shows it, which finance's services also write into its events."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared_apps.accounts.serializers import UserNameField
from tenant_apps.finance.models import Payment, PaymentVoucher


class VoucherSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = PaymentVoucher
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: PaymentVoucher) -> str:
        return f"/api/v1/payments/{obj.payment_id}/vouchers/{obj.pk}"


class PaymentSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer = serializers.IntegerField(source="order.customer_id", read_only=True)
    customer_name = serializers.CharField(source="order.customer.name", read_only=True)
    vouchers = VoucherSerializer(many=True, read_only=True)
    aftersales_case = serializers.IntegerField(source="aftersales_case_id", read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    created_by_name = UserNameField(source="created_by")
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)
    decided_by_name = UserNameField(source="decided_by")

    class Meta:
        model = Payment
        fields = [
            "id",
            "order",
            "order_number",
            "customer",
            "customer_name",
            "kind",
            "amount",
            "method",
            "status",
            "note",
            "vouchers",
            "aftersales_case",
            "created_by",
            "created_by_name",
            "created_at",
            "decided_by",
            "decided_by_name",
            "confirmed_at",
            "rejected_at",
            "reject_reason",
        ]
        read_only_fields = fields
