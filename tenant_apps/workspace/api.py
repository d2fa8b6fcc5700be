"""Store-host API of the workspace: ``/api/v1/channels`` and ``/api/v1/settings``."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from shared_apps.platform.viewsets import StoreAPIView, StoreViewSet
from tenant_apps.workspace import selectors, services
from tenant_apps.workspace.models import Channel, StoreSettings


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "code", "platform", "name", "is_active", "created_at"]
        read_only_fields = fields


class ChannelCreateSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Unique in the store; defaults to the platform."
    )
    platform = serializers.ChoiceField(choices=Channel.Platform.choices)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)


class ChannelUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    is_active = serializers.BooleanField(required=False)


class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """The store's channels (its shops on platforms). Members read; store admins add and change."""

    serializer_class = ChannelSerializer
    queryset = Channel.objects.none()
    required_permissions = {"GET": "channels.view", "POST": "channels.manage", "PATCH": "channels.manage"}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["platform", "is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Channel.objects.none()
        return selectors.channel_list()

    def get_object(self):
        return selectors.channel_get(channel_id=self.kwargs["pk"])

    @extend_schema(request=ChannelCreateSerializer, responses={201: ChannelSerializer})
    def create(self, request):
        serializer = ChannelCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        channel = services.channel_create(
            code=data.get("code") or data["platform"], platform=data["platform"], name=data.get("name", "")
        )
        return Response(ChannelSerializer(channel).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChannelUpdateSerializer, responses={200: ChannelSerializer})
    def partial_update(self, request, pk=None):
        channel = self.get_object()
        serializer = ChannelUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = services.channel_update(
            channel=channel,
            name=serializer.validated_data.get("name"),
            is_active=serializer.validated_data.get("is_active"),
        )
        return Response(ChannelSerializer(channel).data)


def _int_setting(field: str) -> serializers.IntegerField:
    low, high = services.SETTINGS_INT_LIMITS[field]
    return serializers.IntegerField(min_value=low, max_value=high, required=False)


class StoreSettingsSerializer(serializers.ModelSerializer):
    """Store policies. ``discount_threshold`` is a fraction (0.900 = quotations below 90 % of list
    price need a supervisor's approval), a decimal string with 3 places."""

    discount_threshold = serializers.DecimalField(
        max_digits=4,
        decimal_places=services.DISCOUNT_THRESHOLD_PLACES,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
    )
    pool_grace_days = _int_setting("pool_grace_days")
    pool_max_idle_days = _int_setting("pool_max_idle_days")
    pool_return_visit_days = _int_setting("pool_return_visit_days")
    pool_ownership_cap = _int_setting("pool_ownership_cap")
    pool_daily_claim_limit = _int_setting("pool_daily_claim_limit")
    pool_reclaim_cooldown_days = _int_setting("pool_reclaim_cooldown_days")
    pool_release_warning_days = _int_setting("pool_release_warning_days")
    return_visit_window_days = _int_setting("return_visit_window_days")
    overrides = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The policies this store set itself; every other one follows HQ's company default.",
    )
    inherited = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The policies that follow HQ's company default."
    )
    reset = serializers.ListField(
        child=serializers.ChoiceField(choices=list(services.SETTINGS_FIELDS)),
        required=False,
        write_only=True,
        max_length=len(services.SETTINGS_FIELDS),
        help_text="Policies to put back on HQ's company default.",
    )

    class Meta:
        model = StoreSettings
        fields = [*services.SETTINGS_FIELDS, "overrides", "inherited", "reset", "updated_at"]
        read_only_fields = ["updated_at"]


class StoreSettingsView(StoreAPIView):
    """The store's policies (discount approval threshold, shared-pool rules). Each value is the
    store's own when it overrides it (a PATCH of a field overrides it), HQ's company default
    otherwise; ``{"reset": ["field", ...]}`` puts fields back on the HQ default."""

    required_permissions = {"GET": "settings.view", "PATCH": "settings.manage"}
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: StoreSettingsSerializer})
    def get(self, request):
        return Response(StoreSettingsSerializer(selectors.store_settings_get()).data)

    @extend_schema(request=StoreSettingsSerializer, responses={200: StoreSettingsSerializer})
    def patch(self, request):
        serializer = StoreSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        settings_row = services.store_settings_update(**serializer.validated_data)
        return Response(StoreSettingsSerializer(settings_row).data)
