"""Store-host API of customer intelligence (mounted under /api/v1/insights/).

- ``GET rfm``: per segment ``{"segment", "customers", "gmv"}`` (with both names and the definition)
  and the visible customers carrying ``rfm`` ``{"r", "f", "m", "segment", "scored_at"}``, highest
  look-back amount first; filters ``segment``, ``churn_band``, ``owner``, ``in_pool``.
- ``GET churn``: the at-risk customers, highest probability first, carrying ``churn_risk``
  ``{"probability", "band", "reasons", "scored_at"}`` (reasons in the request's language); the
  band totals and the model used (``kind`` ``model`` or ``fallback``, its holdout AUC, Brier score
  and the recency baseline); filters as ``rfm`` and ``include_dismissed``.
- ``POST churn/{customer}/follow-up``: the one-click follow-up; ``POST churn/{customer}/dismiss``
  ``{"note"}``: "not at risk".
- ``POST score``: score the store again now (202; in the background).
- ``GET, PATCH settings``: ``rfm_lookback_days``, ``churn_horizon_days`` (store admins write).

An empty store answers 200 with ``state: "empty"`` and a message, never an error; an unknown
``segment`` or ``churn_band`` answers 400 listing the allowed values (``allowed``).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from shared_apps.platform.viewsets import StoreAPIView, StoreGenericAPIView
from tenant_apps.insights import reasons, selectors, services
from tenant_apps.insights.models import CustomerScore
from tenant_apps.insights.segments import BAND_KEYS, MODEL_KINDS, SEGMENT_KEYS, STATES

FILTERS = ("segment", "churn_band", "owner", "in_pool", "include_dismissed")
PARAMETERS = [
    OpenApiParameter("segment", OpenApiTypes.STR, enum=list(SEGMENT_KEYS)),
    OpenApiParameter("churn_band", OpenApiTypes.STR, description=f"One or more of {', '.join(BAND_KEYS)}, by commas."),
    OpenApiParameter("owner", OpenApiTypes.STR, description="Owner's user id, or `me`."),
    OpenApiParameter("in_pool", OpenApiTypes.BOOL),
]
CHURN_PARAMETERS = [
    *PARAMETERS,
    OpenApiParameter("include_dismissed", OpenApiTypes.BOOL, description="Also customers dismissed as not at risk."),
]


def _filters(request) -> dict:
    return {key: request.query_params.get(key) for key in FILTERS if request.query_params.get(key) is not None}


# --- serializers ----------------------------------------------------------------------------------


class RFMSerializer(serializers.Serializer):
    r = serializers.IntegerField()
    f = serializers.IntegerField()
    m = serializers.IntegerField()
    segment = serializers.ChoiceField(choices=SEGMENT_KEYS)
    recency_days = serializers.IntegerField()
    frequency = serializers.IntegerField(help_text="Orders within the look-back.")
    monetary = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Their amount.")
    scored_at = serializers.DateTimeField()


class ChurnRiskSerializer(serializers.Serializer):
    probability = serializers.FloatField(help_text="Of no order in the next horizon_days.")
    band = serializers.ChoiceField(choices=BAND_KEYS)
    reasons = serializers.ListField(child=serializers.CharField())
    dismissed = serializers.BooleanField(help_text="Marked not at risk in this band.")
    scored_at = serializers.DateTimeField()


class ScoredCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="customer_id")
    name = serializers.CharField(source="customer.name")
    company = serializers.CharField(source="customer.company")
    grade = serializers.CharField(source="customer.grade")
    owner = serializers.IntegerField(source="customer.owner_id", allow_null=True)
    owner_name = serializers.SerializerMethodField()
    in_pool = serializers.BooleanField(source="customer.in_pool")
    orders = serializers.IntegerField(source="orders_total")
    last_order_at = serializers.DateTimeField()
    rfm = serializers.SerializerMethodField()
    churn_risk = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_owner_name(self, obj: CustomerScore) -> str:
        owner = obj.customer.owner if obj.customer.owner_id else None
        return (owner.name or owner.email) if owner is not None else ""

    @extend_schema_field(RFMSerializer)
    def get_rfm(self, obj: CustomerScore) -> dict:
        return RFMSerializer(rfm_dict(obj)).data

    @extend_schema_field(ChurnRiskSerializer)
    def get_churn_risk(self, obj: CustomerScore) -> dict:
        return ChurnRiskSerializer(churn_dict(obj)).data


def rfm_dict(score: CustomerScore) -> dict:
    return {
        "r": score.r,
        "f": score.f,
        "m": score.m,
        "segment": score.segment,
        "recency_days": score.recency_days,
        "frequency": score.frequency,
        "monetary": score.monetary,
        "scored_at": score.scored_at,
    }


def churn_dict(score: CustomerScore) -> dict:
    return {
        "probability": round(score.churn_probability, 4),
        "band": score.churn_band,
        "reasons": reasons.render_all(score.churn_reasons),
        "dismissed": bool(getattr(score, "dismissed", False)),
        "scored_at": score.scored_at,
    }


class SegmentRowSerializer(serializers.Serializer):
    segment = serializers.ChoiceField(choices=SEGMENT_KEYS)
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    definition = serializers.CharField()
    customers = serializers.IntegerField()
    gmv = serializers.CharField(help_text="Their orders' amount within the look-back.")


class BandRowSerializer(serializers.Serializer):
    band = serializers.ChoiceField(choices=BAND_KEYS)
    name = serializers.CharField()
    definition = serializers.CharField()
    customers = serializers.IntegerField()


class ModelSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MODEL_KINDS)
    description = serializers.CharField()
    trained_at = serializers.DateTimeField()
    horizon_days = serializers.IntegerField()
    lookback_days = serializers.IntegerField()
    customers_scored = serializers.IntegerField()
    training_rows = serializers.IntegerField()
    feedback_rows = serializers.IntegerField()
    auc = serializers.FloatField(allow_null=True)
    brier = serializers.FloatField(allow_null=True)
    baseline_auc = serializers.FloatField(allow_null=True)
    fallback_reason = serializers.CharField()


class _PageSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    message = serializers.CharField()
    scored_at = serializers.DateTimeField(allow_null=True)
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ScoredCustomerSerializer(many=True)


class RFMPageSerializer(_PageSerializer):
    lookback_days = serializers.IntegerField(allow_null=True)
    segments = SegmentRowSerializer(many=True)


class ChurnPageSerializer(_PageSerializer):
    model = ModelSerializer(allow_null=True)
    bands = BandRowSerializer(many=True)


class DismissSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DismissalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    band = serializers.CharField()
    probability = serializers.FloatField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class FollowUpResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["task", "reminder"])
    task = serializers.IntegerField(required=False)
    next_follow_up_at = serializers.DateTimeField(required=False, allow_null=True)
    url = serializers.CharField()


class SettingsSerializer(serializers.Serializer):
    rfm_lookback_days = serializers.IntegerField()
    churn_horizon_days = serializers.IntegerField()


class SettingsWriteSerializer(serializers.Serializer):
    rfm_lookback_days = serializers.JSONField(required=False)
    churn_horizon_days = serializers.JSONField(required=False)


class ScoreRequestSerializer(serializers.Serializer):
    status = serializers.CharField()


# --- views ----------------------------------------------------------------------------------------


class _ScoredListView(StoreGenericAPIView):
    serializer_class = ScoredCustomerSerializer
    required_permissions = {"GET": "insights.view"}
    filter_backends: list = []
    at_risk = False

    def _page(self, request):
        qs = selectors.scored_list(access=self.access, filters=_filters(request), at_risk=self.at_risk)
        page = self.paginate_queryset(qs)
        response = self.get_paginated_response(ScoredCustomerSerializer(page, many=True).data)
        run = selectors.latest_run()
        extra = {**selectors.state(run), "scored_at": run.at if run is not None else None}
        response.data = {**extra, **response.data}
        return response, qs, run


class RFMView(_ScoredListView):
    """RFM segments of the visible customers, per segment and per customer."""

    @extend_schema(operation_id="insights_rfm", parameters=PARAMETERS, responses={200: RFMPageSerializer})
    def get(self, request):
        response, _qs, run = self._page(request)
        base = selectors.scored_list(access=self.access, filters=_without(_filters(request), "segment"))
        response.data["lookback_days"] = run.lookback_days if run is not None else None
        response.data["segments"] = SegmentRowSerializer(selectors.segment_summary(base), many=True).data
        return response


class ChurnView(_ScoredListView):
    """At-risk customers, highest probability of no order in the horizon first."""

    at_risk = True

    @extend_schema(operation_id="insights_churn", parameters=CHURN_PARAMETERS, responses={200: ChurnPageSerializer})
    def get(self, request):
        response, _qs, run = self._page(request)
        base = selectors.scored_list(
            access=self.access, filters=_without(_filters(request), "churn_band"), at_risk=True
        )
        response.data["model"] = selectors.model_body(run)
        response.data["bands"] = BandRowSerializer(selectors.band_summary(base), many=True).data
        return response


def _without(filters: dict, key: str) -> dict:
    return {k: v for k, v in filters.items() if k != key}


class DismissView(StoreAPIView):
    """Mark an at-risk customer "not at risk" (hidden while its band stays the same; used in training)."""

    required_permissions = {"POST": "insights.act"}

    @extend_schema(request=DismissSerializer, responses={201: DismissalSerializer})
    def post(self, request, customer_id: int):
        serializer = DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dismissal = services.dismiss(
            access=self.access, customer_id=customer_id, note=serializer.validated_data["note"]
        )
        return Response(DismissalSerializer(dismissal).data, status=status.HTTP_201_CREATED)


class FollowUpView(StoreAPIView):
    """One click: a work task for the owner (supervisors, admins) or a due follow-up (the owner)."""

    required_permissions = {"POST": "insights.act"}

    @extend_schema(request=None, responses={201: FollowUpResultSerializer})
    def post(self, request, customer_id: int):
        result = services.follow_up(access=self.access, customer_id=customer_id)
        return Response(FollowUpResultSerializer(result).data, status=status.HTTP_201_CREATED)


class ScoreView(StoreAPIView):
    """Score the store again now, in the background."""

    required_permissions = {"POST": "insights.score"}

    @extend_schema(request=None, responses={202: ScoreRequestSerializer})
    def post(self, request):
        _ = request.data  # a body, if any, is parsed: malformed JSON is a 400 like everywhere else
        services.scoring_request(access=self.access)
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)


class SettingsView(StoreAPIView):
    """The look-back of RFM and the horizon of churn risk (store admins change them)."""

    required_permissions = {"GET": "insights.view", "PATCH": "settings.manage"}

    @extend_schema(responses={200: SettingsSerializer})
    def get(self, request):
        return Response(SettingsSerializer(services.settings_get()).data)

    @extend_schema(request=SettingsWriteSerializer, responses={200: SettingsSerializer})
    def patch(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        return Response(SettingsSerializer(services.settings_update(access=self.access, data=dict(data))).data)
