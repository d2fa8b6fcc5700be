"""The webhook payloads in the OpenAPI document (OpenAPI 3.1 ``webhooks``): one entry per event
type, the body ``{"id", "type", "created_at", "store", "data"}`` with ``data`` described by the same
serializer the REST API answers with, so integrators can generate receivers' types."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from tenant_apps.aftersales.serializers import CaseSerializer
from tenant_apps.customers.serializers import CustomerSerializer
from tenant_apps.finance.serializers import PaymentSerializer
from tenant_apps.leads.serializers import LeadSerializer
from tenant_apps.outbox.events import EVENT_TYPES, entity_of
from tenant_apps.sales.serializers import DeliverySerializer, OrderLineSerializer, OrderSerializer, QuotationSerializer


class OrderEventDataSerializer(OrderSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class CustomerMergedDataSerializer(CustomerSerializer):
    merged = serializers.IntegerField(read_only=True, help_text="The id of the record merged into this one.")

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "merged"]
        read_only_fields = fields


class WebhookTestDataSerializer(serializers.Serializer):
    endpoint = serializers.IntegerField()
    url = serializers.CharField()
    sent_by = serializers.IntegerField(allow_null=True)


DATA = {
    "customer": CustomerSerializer,
    "lead": LeadSerializer,
    "order": OrderEventDataSerializer,
    "payment": PaymentSerializer,
    "aftersales": CaseSerializer,
    "quotation": QuotationSerializer,
    "delivery": DeliverySerializer,
    "webhook": WebhookTestDataSerializer,
}


def _envelope(event_type: str) -> type[serializers.Serializer]:
    data = CustomerMergedDataSerializer if event_type == "customer.merged" else DATA[entity_of(event_type)]
    name = "".join(part.capitalize() for part in event_type.replace(".", "_").split("_")) + "Event"
    return type(
        name,
        (serializers.Serializer,),
        {
            "id": serializers.UUIDField(help_text="The event id, also sent as the webhook-id header."),
            "type": serializers.ChoiceField(choices=[event_type]),
            "created_at": serializers.DateTimeField(),
            "store": serializers.CharField(help_text="The store's subdomain."),
            "data": data(help_text="The object as the REST API returns it."),
        },
    )


WEBHOOKS = [
    OpenApiWebhook(
        name=event_type,
        decorator=extend_schema(
            summary=str(description),
            description=(
                "Sent with the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature "
                "(v1, HMAC-SHA256 with the endpoint's whsec_ secret). Answer 2xx within 10 s; anything else "
                "is retried with backoff for 24 hours."
            ),
            request={"application/json": _envelope(event_type)},
            responses={200: OpenApiResponse(description="Received (any 2xx).")},
        ),
    )
    for event_type, description in sorted(EVENT_TYPES.items())
]
