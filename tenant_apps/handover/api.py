"""Store-host API of handovers.

* ``POST /api/v1/customers/transfer`` (api.md): ``{"customers": [ids]}`` or ``{"from_owner": id}``,
  ``"to_owner": id`` or null (the pool), ``"reason"`` → 200 ``{"transferred": n, ...}`` when done at
  once; a large handover answers 202 with ``transferred`` 0 and the job to follow (``url``).
* ``GET /api/v1/handovers/{id}``: a handover's status and progress.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from shared_apps.platform.viewsets import StoreAPIView
from tenant_apps.handover import selectors, services
from tenant_apps.handover.models import Handover


class TransferRequestSerializer(serializers.Serializer):
    customers = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="Customer ids.")
    from_owner = serializers.IntegerField(required=False, help_text="Every customer of this person.")
    to_owner = serializers.IntegerField(allow_null=True, help_text="The person taking over; null: the shared pool.")
    reason = serializers.CharField(required=False, allow_blank=True)


class HandoverSerializer(serializers.ModelSerializer):
    from_owner = serializers.IntegerField(source="from_owner_id", read_only=True, allow_null=True)
    to_owner = serializers.IntegerField(source="to_owner_id", read_only=True, allow_null=True)
    by = serializers.IntegerField(source="by_id", read_only=True)
    progress = serializers.FloatField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Handover
        fields = [
            "id",
            "status",
            "from_owner",
            "to_owner",
            "reason",
            "by",
            "total",
            "processed",
            "progress",
            "customers",
            "quotations",
            "orders",
            "leads",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj: Handover) -> str:
        return reverse("handover-detail", kwargs={"pk": obj.pk})


class TransferResultSerializer(serializers.Serializer):
    transferred = serializers.IntegerField(help_text="Customers that changed hands (0 while a job runs).")
    handover = HandoverSerializer()


class CustomerTransferView(StoreAPIView):
    """Hand customers over (supervisor for their team, admin for the store), with their open
    quotations, orders and leads, in one transaction."""

    required_permissions = {"POST": "customers.transfer"}

    @extend_schema(
        request=TransferRequestSerializer, responses={200: TransferResultSerializer, 202: TransferResultSerializer}
    )
    def post(self, request):
        handover = services.handover_start(access=self.access, data=request.data)
        body = {"transferred": handover.customers, "handover": HandoverSerializer(handover).data}
        done = handover.status == Handover.Status.DONE
        return Response(body, status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED)


class HandoverDetailView(StoreAPIView):
    """A handover: status, progress and what it moved."""

    required_permissions = {"GET": "customers.transfer"}

    @extend_schema(responses={200: HandoverSerializer})
    def get(self, request, pk: int):
        return Response(HandoverSerializer(selectors.handover_get_for_user(handover_id=pk, access=self.access)).data)
