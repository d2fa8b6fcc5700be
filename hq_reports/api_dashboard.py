"""HQ figures on the public host.

``GET /api/v1/hq/dashboard``: the consolidated dashboard, read from the public facts only
(``hq_reports.dashboard``). Query: ``range`` (``today``, ``7d``, ``30d`` (default), ``custom`` with
``start``/``end`` local dates, both inclusive), ``subsidiary`` (id or code), ``store`` (id),
``channel`` (a channel platform: ``tmall``, ``jd``, ``1688``...), ``limit`` (ranking rows, 1-100).

``GET /api/v1/hq/stores/{id}/kanban``: the drill-down, the store's own Kanban body computed in the
store (``hq_reports.drilldown``), audited. Query as the store's ``/api/v1/kanban`` (``channel`` is
a channel id, code or platform of that store; ``salesperson`` a user id).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from hq_reports import selectors
from hq_reports.dashboard import dashboard_body, freshness, store_refs
from hq_reports.drilldown import store_kanban
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.replica import hq_reads
from shared_apps.platform.viewsets import HQAPIView
from shared_apps.reporting.catalogue import KANBAN
from shared_apps.reporting.periods import resolve_period
from shared_apps.reporting.serializers import metrics_serializer, trend_field

MAX_INT = 2**63 - 1
PLATFORMS = ("tmall", "jd", "1688", "pdd", "douyin", "taobao", "alibaba", "offline", "other")

PERIOD_PARAMETERS = [
    OpenApiParameter("range", OpenApiTypes.STR, enum=["today", "7d", "30d", "custom"], description="Default 30d."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First local date of a custom range."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last local date of a custom range (inclusive)."),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Rows of the rankings (1-100, default 10)."),
]


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


def _period_and_limit(params):
    period = resolve_period(range=params.get("range") or "30d", start=params.get("start"), end=params.get("end"))
    limit = params.get("limit")
    return period, (_int(limit, "limit", high=100) if limit not in (None, "") else 10)


class PeriodSerializer(serializers.Serializer):
    range = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


HQMetricsSerializer = metrics_serializer("HQMetricsSerializer", KANBAN)


class HQStoreFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    subdomain = serializers.CharField()
    subsidiary = serializers.IntegerField(allow_null=True)
    subsidiary_name = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    url = serializers.CharField()
    gmv = serializers.DecimalField(max_digits=16, decimal_places=2)
    orders = serializers.IntegerField()
    aov = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    paying_customers = serializers.IntegerField()
    repurchase_rate = serializers.FloatField(allow_null=True)
    new_customers = serializers.IntegerField()
    conversion_rate = serializers.FloatField(allow_null=True)
    lost_rate = serializers.FloatField(allow_null=True)
    net_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    receivable_overdue = serializers.DecimalField(max_digits=16, decimal_places=2)
    gross_profit = serializers.DecimalField(max_digits=16, decimal_places=2)
    gross_margin = serializers.FloatField(allow_null=True)
    lines_without_cost = serializers.IntegerField()
    gmv_previous = serializers.DecimalField(max_digits=16, decimal_places=2)
    gmv_change = serializers.FloatField(allow_null=True)
    gmv_trend = trend_field()
    as_of = serializers.DateTimeField(
        help_text="Every change committed in the store before this moment is in these figures "
        "(its last drain, or the oldest event it left waiting; the store's creation if never drained)."
    )
    behind = serializers.BooleanField(
        help_text="True when as_of is more than 60 seconds ago: events waiting, or the feed not drained for that long."
    )


class ReplicaSerializer(serializers.Serializer):
    replayed_at = serializers.DateTimeField(allow_null=True)
    lag_seconds = serializers.FloatField()


class HQDashboardSerializer(serializers.Serializer):
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    as_of = serializers.DateTimeField(
        allow_null=True, help_text="The oldest as_of of the stores: every store's changes before it are included."
    )
    filters = serializers.JSONField()
    metrics = HQMetricsSerializer()
    stores = HQStoreFiguresSerializer(many=True)
    subsidiaries = serializers.ListField(child=serializers.JSONField(), help_text="Per subsidiary: headline figures.")
    channels = serializers.ListField(child=serializers.JSONField(), help_text="Per channel platform.")
    product_ranking = serializers.ListField(child=serializers.JSONField())
    category_ranking = serializers.ListField(child=serializers.JSONField())
    sales_trend = serializers.ListField(child=serializers.JSONField())
    customer_mix = serializers.JSONField()
    geography = serializers.ListField(child=serializers.JSONField())
    devices = serializers.ListField(child=serializers.JSONField())
    freshness = serializers.DateTimeField(allow_null=True, help_text="Oldest last drain over the stores.")
    replica = ReplicaSerializer(
        allow_null=True,
        help_text="Null when read from the primary. Read from the replica (DATABASE_REPLICA_URL): its last "
        "replayed commit and lag; as_of and freshness are then the replica's own (what it holds).",
    )


class HQStoreKanbanSerializer(serializers.Serializer):
    store = serializers.JSONField()
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    filters = serializers.JSONField()
    metrics = HQMetricsSerializer()
    product_ranking = serializers.ListField(child=serializers.JSONField())
    category_ranking = serializers.ListField(child=serializers.JSONField())
    sales_trend = serializers.ListField(child=serializers.JSONField())
    customer_mix = serializers.JSONField()
    geography = serializers.ListField(child=serializers.JSONField())
    devices = serializers.ListField(child=serializers.JSONField())


def dashboard_query(params) -> dict:
    """The dashboard for a query (``range``, ``start``, ``end``, ``subsidiary``, ``store``,
    ``channel``, ``limit``); bad input raises ``ValidationFailed`` / ``NotFound``."""
    with hq_reads():
        return _dashboard_query(params)


def _dashboard_query(params) -> dict:
    period, limit = _period_and_limit(params)
    stores = selectors.store_list()
    filtered = False
    subsidiary_ref = (params.get("subsidiary") or "").strip()
    subsidiary = None
    if subsidiary_ref:
        subsidiary = selectors.subsidiary_find(ref=subsidiary_ref)
        if subsidiary is None:
            raise ValidationFailed(errors={"subsidiary": [_("No such subsidiary.")]})
        stores = stores.filter(subsidiary=subsidiary)
        filtered = True
    store_ref = params.get("store")
    store = None
    if store_ref not in (None, ""):
        store = selectors.store_get(store_id=store_ref)
        stores = stores.filter(pk=store.pk)
        filtered = True
    platform = (params.get("channel") or "").strip() or None
    if platform is not None and platform not in PLATFORMS:
        raise ValidationFailed(errors={"channel": [_("Choose a channel platform.")]})
    body = dashboard_body(
        period=period, stores=store_refs(stores), platform=platform, limit=limit, all_stores=not filtered
    )
    body["filters"] = {
        "subsidiary": subsidiary.pk if subsidiary else None,
        "store": store.pk if store else None,
        "channel": platform,
    }
    body["freshness"] = freshness()
    return body


def store_kanban_query(request, store) -> dict:
    """The drill-down for a request's query (``range``, ``start``, ``end``, ``channel``,
    ``salesperson``, ``limit``); computed in the store and audited."""
    params = request.GET
    period, limit = _period_and_limit(params)
    asked = params.get("salesperson")
    salesperson_id = _int(asked, "salesperson") if asked not in (None, "") else None
    return store_kanban(
        store=store,
        hq_user=request.user,
        path=request.get_full_path(),
        period=period,
        channel=params.get("channel"),
        salesperson_id=salesperson_id,
        limit=limit,
    )


class HQDashboardView(HQAPIView):
    """The consolidated dashboard over every store (or a subsidiary, a store, a channel platform)."""

    serializer_class = HQDashboardSerializer

    @extend_schema(
        operation_id="hq_dashboard",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("subsidiary", OpenApiTypes.STR, description="A subsidiary id or code."),
            OpenApiParameter("store", OpenApiTypes.INT, description="A store id."),
            OpenApiParameter("channel", OpenApiTypes.STR, enum=list(PLATFORMS), description="A channel platform."),
        ],
        responses=HQDashboardSerializer,
    )
    def get(self, request):
        return Response(dashboard_query(request.query_params))


class HQStoreKanbanView(HQAPIView):
    """One store's own Kanban, computed in the store, read-only and audited."""

    serializer_class = HQStoreKanbanSerializer

    @extend_schema(
        operation_id="hq_store_kanban",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("channel", OpenApiTypes.STR, description="A channel id, code or platform of the store."),
            OpenApiParameter("salesperson", OpenApiTypes.INT, description="A salesperson's user id."),
        ],
        responses=HQStoreKanbanSerializer,
    )
    def get(self, request, pk):
        store = selectors.store_get(store_id=pk)
        return Response(store_kanban_query(request, store))
