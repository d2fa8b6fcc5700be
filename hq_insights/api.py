"""``GET /api/v1/hq/insights`` (public host, HQ roles): per store the RFM segment mix, churn-risk
totals, benchmark percentiles and anomaly flags; ``cross_store_buyers`` ``{"buyers",
"in_two_or_more_stores", "gmv"}``. Filters ``subsidiary`` (id or code), ``platform``, ``store``.
Reads only the public rows of the nightly jobs (``hq_insights.benchmarks``)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from hq_insights import selectors
from shared_apps.platform.viewsets import HQAPIView
from tenant_apps.insights.segments import SEGMENT_KEYS


class SegmentTotalSerializer(serializers.Serializer):
    segment = serializers.ChoiceField(choices=SEGMENT_KEYS)
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    definition = serializers.CharField()
    customers = serializers.IntegerField()
    gmv = serializers.CharField()


class SegmentMixSerializer(serializers.Serializer):
    segment = serializers.ChoiceField(choices=SEGMENT_KEYS)
    customers = serializers.IntegerField()
    gmv = serializers.CharField()


class ChurnTotalsSerializer(serializers.Serializer):
    low = serializers.IntegerField()
    medium = serializers.IntegerField()
    high = serializers.IntegerField()
    expected_churners = serializers.FloatField(help_text="The sum of the churn probabilities.")


class BenchmarkSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="A fraction (rates, growth) or a decimal string (overdue receivables).")
    subsidiary_percentile = serializers.FloatField(allow_null=True)
    platform_percentile = serializers.FloatField(allow_null=True)
    anomaly = serializers.ChoiceField(choices=["above", "below"], allow_null=True)
    band = serializers.ListField(child=serializers.FloatField(), allow_null=True, required=False)


class BenchmarksSerializer(serializers.Serializer):
    gmv_growth = BenchmarkSerializer()
    conversion_rate = BenchmarkSerializer()
    lost_rate = BenchmarkSerializer()
    receivable_overdue = BenchmarkSerializer()


class StoreInsightSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    subdomain = serializers.CharField()
    subsidiary = serializers.IntegerField(allow_null=True)
    subsidiary_name = serializers.CharField(allow_null=True)
    platform = serializers.CharField()
    state = serializers.CharField()
    scored_at = serializers.DateTimeField(allow_null=True)
    model = serializers.CharField()
    customers_scored = serializers.IntegerField()
    segment_mix = SegmentMixSerializer(many=True)
    churn = ChurnTotalsSerializer()
    benchmarks = BenchmarksSerializer()


class TopBuyerStoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TopBuyerSerializer(serializers.Serializer):
    stores = TopBuyerStoreSerializer(many=True)
    gmv = serializers.CharField()


class CrossStoreBuyersSerializer(serializers.Serializer):
    buyers = serializers.IntegerField()
    in_two_or_more_stores = serializers.IntegerField()
    gmv = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    top = TopBuyerSerializer(many=True)


class InsightMetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    rise_is_good = serializers.BooleanField()


class HQInsightsSerializer(serializers.Serializer):
    day = serializers.DateField(allow_null=True)
    metrics = InsightMetricSerializer(many=True)
    segments = SegmentTotalSerializer(many=True)
    churn_totals = ChurnTotalsSerializer()
    stores = StoreInsightSerializer(many=True)
    cross_store_buyers = CrossStoreBuyersSerializer()


class HQInsightsView(HQAPIView):
    """Customer insights over the stores: segment mix, churn totals, benchmarks, cross-store buyers."""

    @extend_schema(
        operation_id="hq_insights",
        parameters=[
            OpenApiParameter("subsidiary", OpenApiTypes.STR, description="A subsidiary id or code."),
            OpenApiParameter("platform", OpenApiTypes.STR, description="The stores' main channel platform."),
            OpenApiParameter("store", OpenApiTypes.INT),
        ],
        responses={200: HQInsightsSerializer},
    )
    def get(self, request):
        filters = {key: request.query_params.get(key, "") for key in ("subsidiary", "platform", "store")}
        return HttpResponse(selectors.insights_json(filters=filters), content_type="application/json")
