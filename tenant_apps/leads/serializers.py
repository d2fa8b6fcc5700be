"""A lead as the API shows it, which the lead services also write into its events."""

from __future__ import annotations

from rest_framework import serializers

from shared_apps.accounts.serializers import UserNameField
from tenant_apps.leads.models import Lead


class LeadSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    owner_name = UserNameField(source="owner")
    customer = serializers.IntegerField(source="customer_id", read_only=True, allow_null=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "channel",
            "name",
            "mobile",
            "wechat_id",
            "platform_chat_id",
            "message",
            "source",
            "grade",
            "province",
            "received_at",
            "status",
            "owner",
            "owner_name",
            "assigned_at",
            "respond_by",
            "contacted_at",
            "customer",
            "is_new",
            "lost_reason",
            "closed_at",
            "reassign_count",
            "created_at",
        ]
        read_only_fields = fields
