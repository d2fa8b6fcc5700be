"""``/api/v1/webhooks`` on a store host (store admins): endpoints, their deliveries, redelivery by
hand and a test event (api.md). The payloads sent to endpoints are described in the OpenAPI
document's ``webhooks`` section (``openapi.py``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from shared_apps.platform.viewsets import StoreGenericAPIView, StoreViewSet
from tenant_apps.webhooks import selectors, services
from tenant_apps.webhooks.models import Delivery, Endpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField(), help_text='Event types, or ["*"].')

    class Meta:
        model = Endpoint
        fields = ["id", "url", "events", "description", "active", "disabled_reason", "failing_since", "created_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret (whsec_…), shown this once.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = serializers.CharField(required=False)
    events = serializers.ListField(child=serializers.CharField(), required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "entity",
            "entity_id",
            "manual",
            "attempt",
            "status",
            "response_status",
            "response_body",
            "duration_ms",
            "error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
        ]
        read_only_fields = fields


class EndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """The store's webhook endpoints. POST answers the signing secret once; PATCH changes the URL,
    the event types, the description or switches the endpoint on and off; DELETE removes it."""

    serializer_class = WebhookEndpointSerializer
    queryset = Endpoint.objects.none()
    idempotency_exempt = True  # the answer to POST carries the secret: never kept
    required_permissions = {
        "GET": "webhooks.manage",
        "POST": "webhooks.manage",
        "PATCH": "webhooks.manage",
        "DELETE": "webhooks.manage",
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Endpoint.objects.none()
        return selectors.endpoint_list()

    def get_object(self):
        return services.endpoint_get(endpoint_id=self.kwargs["pk"])

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request):
        endpoint = services.endpoint_create(data=request.data, access=self.access)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={200: WebhookEndpointSerializer})
    def partial_update(self, request, pk=None):
        endpoint = services.endpoint_update(endpoint_id=pk, data=request.data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.endpoint_delete(endpoint_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListView(mixins.ListModelMixin, StoreGenericAPIView):
    """An endpoint's delivery log, newest first (``?status=`` to filter)."""

    serializer_class = WebhookDeliverySerializer
    queryset = Delivery.objects.none()
    required_permissions = {"GET": "webhooks.manage"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        deliveries = selectors.delivery_list(endpoint=services.endpoint_get(endpoint_id=self.kwargs["pk"]))
        wanted = self.request.query_params.get("status")
        return deliveries.filter(status=wanted) if wanted in Delivery.Status.values else deliveries

    def get(self, request, pk=None):
        return self.list(request)


class RedeliverView(StoreGenericAPIView):
    """Send a delivery's event again now (a new delivery with the same ``webhook-id``) → 202."""

    serializer_class = WebhookDeliverySerializer
    required_permissions = {"POST": "webhooks.manage"}

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    def post(self, request, pk=None, delivery_id=None):
        delivery = services.redeliver(endpoint_id=pk, delivery_id=delivery_id)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class TestEventView(StoreGenericAPIView):
    """Send a ``webhook.test`` event to this endpoint now → 202 with its delivery."""

    serializer_class = WebhookDeliverySerializer
    required_permissions = {"POST": "webhooks.manage"}

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    def post(self, request, pk=None):
        delivery = services.send_test(endpoint_id=pk, access=self.access)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
