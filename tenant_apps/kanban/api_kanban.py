"""``GET /api/v1/kanban``: the store Data Kanban (metrics.md figures, api.md body).

Query: ``range`` (``today``, ``7d``, ``30d`` (default), ``custom`` with ``start`` and ``end`` as
local dates, both inclusive), ``channel`` (a channel id or code), ``salesperson`` (a user id),
``limit`` (rows of the rankings, 1-100, default 10).

Scoping: a salesperson always gets their own figures (``salesperson`` is forced to themselves;
asking for somebody else is refused with 403 ``permission_denied``); supervisors, admins,
finance and HQ read-only users get the whole store or any salesperson.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from shared_apps.accounts.access import StoreRole
from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from shared_apps.platform.viewsets import StoreAPIView
from shared_apps.reporting.catalogue import KANBAN
from shared_apps.reporting.periods import Period, resolve_period
from shared_apps.reporting.serializers import metrics_serializer
from tenant_apps.kanban.reporting import cached_kanban_body, without_costs
from tenant_apps.workspace.selectors import channel_list

MAX_INT = 2**63 - 1

QUERY_PARAMETERS = [
    OpenApiParameter("range", OpenApiTypes.STR, enum=["today", "7d", "30d", "custom"], description="Default 30d."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First local date of a custom range."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last local date of a custom range (inclusive)."),
    OpenApiParameter("channel", OpenApiTypes.STR, description="A channel id or code."),
    OpenApiParameter("salesperson", OpenApiTypes.INT, description="A salesperson's user id."),
]


def _channel_id(value) -> int | None:
    if value in (None, ""):
        return None
    value = str(value).strip()
    channels = channel_list()
    channel = None
    if value.isdigit() and int(value) <= MAX_INT:
        channel = channels.filter(pk=int(value)).first()
    if channel is None:
        channel = channels.filter(code=value).first()
    if channel is None:
        raise ValidationFailed(errors={"channel": [_("No such channel.")]})
    return channel.pk


def _int(value, field: str, *, low: int = 1, high: int = MAX_INT) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(errors={field: [_("Enter a whole number.")]}) from None
    if not low <= number <= high:
        raise ValidationFailed(
            errors={field: [_("Enter a number between %(low)d and %(high)d.") % {"low": low, "high": high}]}
        )
    return number


def parse_figures_query(request, access) -> tuple[Period, int | None, int | None]:
    """The period and filters of a figures query, with the caller's scoping applied."""
    params = request.query_params
    period = resolve_period(range=params.get("range") or "30d", start=params.get("start"), end=params.get("end"))
    channel_id = _channel_id(params.get("channel"))
    asked = params.get("salesperson")
    salesperson_id = _int(asked, "salesperson") if asked not in (None, "") else None
    if access.role == StoreRole.SALESPERSON:
        if salesperson_id is not None and salesperson_id != access.user.pk:
            raise PermissionDenied(_("You can only see your own figures."))
        salesperson_id = access.user.pk
    return period, channel_id, salesperson_id


class PeriodSerializer(serializers.Serializer):
    range = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


MetricsSerializer = metrics_serializer("KanbanMetricsSerializer", KANBAN)


class RankingRowSerializer(serializers.Serializer):
    sku = serializers.CharField(required=False)
    category = serializers.CharField(required=False)
    name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    quantity = serializers.IntegerField()
    orders = serializers.IntegerField()


class TrendRowSerializer(serializers.Serializer):
    bucket = serializers.DateTimeField()
    gmv = serializers.DecimalField(max_digits=16, decimal_places=2)
    orders = serializers.IntegerField()


class MixSideSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    gmv = serializers.DecimalField(max_digits=16, decimal_places=2)


class CustomerMixSerializer(serializers.Serializer):
    new = MixSideSerializer()
    returning = MixSideSerializer()


class GeographyRowSerializer(serializers.Serializer):
    province = serializers.CharField()
    gmv = serializers.DecimalField(max_digits=16, decimal_places=2)
    orders = serializers.IntegerField()


class DeviceRowSerializer(serializers.Serializer):
    device = serializers.CharField()
    gmv = serializers.DecimalField(max_digits=16, decimal_places=2)
    orders = serializers.IntegerField()


class FiltersSerializer(serializers.Serializer):
    channel = serializers.IntegerField(allow_null=True)
    salesperson = serializers.IntegerField(allow_null=True)


class KanbanSerializer(serializers.Serializer):
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    filters = FiltersSerializer()
    metrics = MetricsSerializer()
    product_ranking = RankingRowSerializer(many=True)
    category_ranking = RankingRowSerializer(many=True)
    sales_trend = TrendRowSerializer(many=True)
    customer_mix = CustomerMixSerializer()
    geography = GeographyRowSerializer(many=True)
    devices = DeviceRowSerializer(many=True)


class KanbanView(StoreAPIView):
    required_permission = "kanban.view"
    serializer_class = KanbanSerializer

    @extend_schema(
        operation_id="kanban",
        parameters=[
            *QUERY_PARAMETERS,
            OpenApiParameter("limit", OpenApiTypes.INT, description="Rows of the rankings (1-100, default 10)."),
        ],
        responses=KanbanSerializer,
    )
    def get(self, request):
        period, channel_id, salesperson_id = parse_figures_query(request, self.access)
        limit = request.query_params.get("limit")
        limit = _int(limit, "limit", high=100) if limit not in (None, "") else 10
        body = cached_kanban_body(period=period, channel_id=channel_id, salesperson_id=salesperson_id, limit=limit)
        if not self.access.can("costs.view"):
            body = without_costs(body)
        return Response(body)
