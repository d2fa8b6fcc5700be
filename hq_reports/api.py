"""HQ API on the public host (``/api/v1/hq/...``): stores, their provisioning, subsidiaries and
the audit of HQ access to stores. HQ executives read; HQ admins also write."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from hq_reports import selectors, services
from shared_apps.platform.models import HqAccessLog
from shared_apps.platform.permissions import IsHQ
from shared_apps.platform.viewsets import HQAPIView, HQViewSet
from tenants.models import Provisioning, Store, Subsidiary
from tenants.provisioning import CHANNEL_CODES
from tenants.routing import store_url


class IsHQAdmin(IsHQ):
    """HQ admins only, for reading too (the audit trail)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_hq_admin


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True})
class SubsidiaryRefField(serializers.Field):
    """A subsidiary named by its id (integer) or its code (string); null for none."""

    default_error_messages = {
        "invalid": _("Give a subsidiary id or code."),
        "unknown": _("No such subsidiary."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if data in ("", None):
            return None
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        subsidiary = selectors.subsidiary_find(ref=data)
        if subsidiary is None:
            self.fail("unknown")
        return subsidiary

    def to_representation(self, value):
        return value.pk if value is not None else None


class StoreSerializer(serializers.ModelSerializer):
    subsidiary = serializers.IntegerField(source="subsidiary_id", allow_null=True, read_only=True)
    subsidiary_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Store
        fields = ["id", "name", "subdomain", "subsidiary", "subsidiary_name", "status", "url", "created_at"]
        read_only_fields = fields

    def get_subsidiary_name(self, store: Store) -> str | None:
        return store.subsidiary.name if store.subsidiary_id else None

    def get_url(self, store: Store) -> str:
        return store_url(store.subdomain)


class StoreCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    subdomain = serializers.CharField(max_length=63, help_text="3-40 characters: a-z, 0-9, inner '-'.")
    subsidiary = SubsidiaryRefField(required=False)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNEL_CODES), required=False, default=list, max_length=20
    )
    owner_email = serializers.EmailField(
        required=False, allow_blank=True, help_text="Becomes the store's admin (an existing user, or a new one)."
    )
    owner_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    owner_password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=256, write_only=True
    )


class StoreUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    subsidiary = SubsidiaryRefField(required=False)
    status = serializers.ChoiceField(choices=Store.Status.choices, required=False)


PROVISIONING_STATUS_HELP = "provisioning, ready or failed"


class ProvisioningSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=PROVISIONING_STATUS_HELP)
    store = serializers.IntegerField(source="store_id", allow_null=True, read_only=True)
    store_url = serializers.SerializerMethodField()

    class Meta:
        model = Provisioning
        fields = [
            "id",
            "status",
            "name",
            "subdomain",
            "store",
            "store_url",
            "error",
            "requested_at",
            "finished_at",
            "duration_ms",
        ]
        read_only_fields = fields

    def get_store_url(self, record: Provisioning) -> str | None:
        if record.status == Provisioning.Status.READY and record.store_id:
            return store_url(record.subdomain)
        return None


ProvisioningAccepted = inline_serializer(
    "ProvisioningAccepted",
    {
        "provisioning": inline_serializer(
            "ProvisioningRef",
            {
                "id": serializers.UUIDField(),
                "status": serializers.CharField(help_text=PROVISIONING_STATUS_HELP),
                "url": serializers.CharField(),
            },
        )
    },
)


class StoreFilter(django_filters.FilterSet):
    subsidiary = django_filters.CharFilter(method="filter_subsidiary", help_text="Subsidiary id or code.")
    status = django_filters.ChoiceFilter(choices=Store.Status.choices)

    class Meta:
        model = Store
        fields = ["subsidiary", "status"]

    def filter_subsidiary(self, queryset, name, value):
        subsidiary = selectors.subsidiary_find(ref=value)
        return queryset.filter(subsidiary=subsidiary) if subsidiary else queryset.none()


class HQStoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HQViewSet):
    """Every store. HQ admins create stores (provisioned in the background), rename, move,
    suspend, set read-only and reactivate them."""

    serializer_class = StoreSerializer
    queryset = Store.objects.none()
    filterset_class = StoreFilter
    search_fields = ["name", "subdomain"]
    ordering_fields = ["name", "subdomain", "created_at", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Store.objects.none()
        return selectors.store_list()

    def get_object(self):
        return selectors.store_get(store_id=self.kwargs["pk"])

    @extend_schema(request=StoreCreateSerializer, responses={202: ProvisioningAccepted})
    def create(self, request):
        serializer = StoreCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = services.store_request(
            name=data["name"],
            subdomain=data["subdomain"],
            subsidiary=data.get("subsidiary"),
            channels=data.get("channels", []),
            owner_email=data.get("owner_email", ""),
            owner_name=data.get("owner_name", ""),
            owner_password=data.get("owner_password", ""),
        )
        url = reverse("hq_api:provisioning-detail", kwargs={"pk": str(record.pk)})
        body = {"provisioning": {"id": str(record.pk), "status": record.status, "url": url}}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})

    @extend_schema(request=StoreUpdateSerializer, responses={200: StoreSerializer})
    def partial_update(self, request, pk=None):
        store = self.get_object()
        serializer = StoreUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = services.store_update(
            store=store,
            name=data.get("name"),
            subsidiary=data.get("subsidiary", ...),
            status=data.get("status"),
        )
        return Response(StoreSerializer(selectors.store_get(store_id=store.pk)).data)


class ProvisioningView(HQAPIView):
    """The status of a store being provisioned: poll until ``ready`` or ``failed``."""

    @extend_schema(responses={200: ProvisioningSerializer})
    def get(self, request, pk):
        return Response(ProvisioningSerializer(selectors.provisioning_get(provisioning_id=pk)).data)


class SubsidiarySerializer(serializers.ModelSerializer):
    store_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Subsidiary
        fields = ["id", "name", "code", "store_count", "created_at"]
        read_only_fields = ["id", "store_count", "created_at"]
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


class SubsidiaryViewSet(mixins.ListModelMixin, HQViewSet):
    """Subsidiaries group stores for HQ reports. HQ admins add them (name and code are unique)."""

    serializer_class = SubsidiarySerializer
    queryset = Subsidiary.objects.none()
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Subsidiary.objects.none()
        return selectors.subsidiary_list()

    @extend_schema(request=SubsidiarySerializer, responses={201: SubsidiarySerializer})
    def create(self, request):
        serializer = SubsidiarySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subsidiary = services.subsidiary_create(**serializer.validated_data)
        subsidiary.store_count = 0
        return Response(SubsidiarySerializer(subsidiary).data, status=status.HTTP_201_CREATED)


class HqAccessSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)
    store = serializers.IntegerField(source="store_id", read_only=True)
    store_subdomain = serializers.CharField(source="store.subdomain", read_only=True)

    class Meta:
        model = HqAccessLog
        fields = ["id", "user", "user_email", "store", "store_subdomain", "method", "path", "allowed", "at"]
        read_only_fields = fields


class HqAccessFilter(django_filters.FilterSet):
    store = django_filters.NumberFilter(field_name="store_id", help_text="Store id.")
    user = django_filters.NumberFilter(field_name="user_id", help_text="User id.")
    allowed = django_filters.BooleanFilter()

    class Meta:
        model = HqAccessLog
        fields = ["store", "user", "allowed"]


class HqAccessViewSet(mixins.ListModelMixin, HQViewSet):
    """Every request an HQ user made on a store's host (newest first). HQ admins only."""

    permission_classes = [IsHQAdmin]
    serializer_class = HqAccessSerializer
    queryset = HqAccessLog.objects.none()
    filterset_class = HqAccessFilter
    ordering_fields = ["at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HqAccessLog.objects.none()
        return selectors.hq_access_list()
