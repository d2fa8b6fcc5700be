"""Store-host API of enquiry statistics.

- ``/api/v1/enquiries/daily``: GET the daily enquiries per channel (``?start&end&channel``);
  POST ``{"date", "channel", "enquiries", "new_enquiries"}`` records or corrects a day
  (``enquiries.daily.manage``).
- ``/api/v1/enquiries/contacts``: GET contact records (scoped like customers; ``?start&end&user``);
  POST ``{"date", "wechat_added", "phone_contacts"}`` (JSON or multipart with ``screenshots``
  files) records or corrects the caller's own day (``enquiries.contacts.create``).
- ``/api/v1/enquiries/screenshots/{id}``: the image, to those who may see the record.
- ``/api/v1/enquiries/stats``: the four rates of metrics.md with the raw counts, per channel and
  per salesperson (same query as the Kanban).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from shared_apps.platform.api import StrictFormParser as FormParser
from shared_apps.platform.api import StrictJSONParser as JSONParser
from shared_apps.platform.api import StrictMultiPartParser as MultiPartParser
from shared_apps.platform.viewsets import StoreAPIView, StoreGenericAPIView
from shared_apps.reporting.catalogue import ENQUIRY
from shared_apps.reporting.serializers import metrics_serializer
from tenant_apps.enquiries import files, selectors, services
from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry
from tenant_apps.kanban.api_kanban import QUERY_PARAMETERS, PeriodSerializer, parse_figures_query
from tenant_apps.kanban.reporting import enquiry_stats_body


class DailyEnquirySerializer(serializers.ModelSerializer):
    channel = serializers.IntegerField(source="channel_id", read_only=True)
    channel_code = serializers.CharField(source="channel.code", read_only=True)
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    recorded_by = serializers.IntegerField(source="recorded_by_id", read_only=True, allow_null=True)

    class Meta:
        model = DailyEnquiry
        fields = [
            "id",
            "date",
            "channel",
            "channel_code",
            "channel_name",
            "enquiries",
            "new_enquiries",
            "recorded_by",
            "updated_at",
        ]
        read_only_fields = fields


class DailyEnquiryWriteSerializer(serializers.Serializer):
    date = serializers.CharField(help_text="Local date, YYYY-MM-DD.")
    channel = serializers.CharField(help_text="A channel id or code.")
    enquiries = serializers.JSONField(help_text="Enquiries received that day (≥ 0).")
    new_enquiries = serializers.JSONField(help_text="Of those, new enquiries (≤ enquiries).")


class ScreenshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return reverse("enquiry-screenshot", kwargs={"pk": obj.pk})


class ContactRecordSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    screenshots = ScreenshotSerializer(many=True, read_only=True)

    class Meta:
        model = ContactRecord
        fields = ["id", "date", "user", "wechat_added", "phone_contacts", "screenshots", "updated_at"]
        read_only_fields = fields


class ContactWriteSerializer(serializers.Serializer):
    date = serializers.CharField(help_text="Local date, YYYY-MM-DD.")
    wechat_added = serializers.JSONField(help_text="WeChat contacts added that day (≥ 0).")
    phone_contacts = serializers.JSONField(help_text="Phone contacts made that day (≥ 0).")
    screenshots = serializers.ListField(child=serializers.FileField(), required=False, help_text="Images.")


DATE_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First local date (inclusive)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last local date (inclusive)."),
]


def _data(request) -> dict:
    data = request.data
    return {key: data.get(key) for key in data} if hasattr(data, "get") else {}


class DailyEnquiryListView(StoreGenericAPIView):
    serializer_class = DailyEnquirySerializer
    required_permissions = {"GET": "enquiries.view", "POST": "enquiries.daily.manage"}
    filter_backends: list = []

    @extend_schema(
        parameters=[*DATE_PARAMETERS, OpenApiParameter("channel", OpenApiTypes.STR)],
        responses={200: DailyEnquirySerializer(many=True)},
    )
    def get(self, request):
        qs = selectors.daily_enquiry_list(filters=request.query_params)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DailyEnquirySerializer(page, many=True).data)

    @extend_schema(request=DailyEnquiryWriteSerializer, responses={200: DailyEnquirySerializer})
    def post(self, request):
        data = _data(request)
        record = services.daily_enquiry_record(
            day=data.get("date"),
            channel=data.get("channel"),
            enquiries=data.get("enquiries"),
            new_enquiries=data.get("new_enquiries"),
            access=self.access,
        )
        return Response(DailyEnquirySerializer(record).data, status=status.HTTP_200_OK)


class ContactListView(StoreGenericAPIView):
    serializer_class = ContactRecordSerializer
    required_permissions = {"GET": "enquiries.view", "POST": "enquiries.contacts.create"}
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list = []

    @extend_schema(
        parameters=[*DATE_PARAMETERS, OpenApiParameter("user", OpenApiTypes.INT)],
        responses={200: ContactRecordSerializer(many=True)},
    )
    def get(self, request):
        qs = selectors.contact_list(access=self.access, filters=request.query_params)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ContactRecordSerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": ContactWriteSerializer, "multipart/form-data": ContactWriteSerializer},
        responses={200: ContactRecordSerializer},
    )
    def post(self, request):
        data = _data(request)
        uploads = request.FILES.getlist("screenshots") if hasattr(request, "FILES") else []
        record = services.contact_record(
            access=self.access,
            day=data.get("date"),
            wechat_added=data.get("wechat_added"),
            phone_contacts=data.get("phone_contacts"),
            screenshots=uploads,
        )
        record = selectors.contact_list(access=self.access).get(pk=record.pk)
        return Response(ContactRecordSerializer(record).data, status=status.HTTP_200_OK)


class ScreenshotFileView(StoreAPIView):
    required_permissions = {"GET": "enquiries.view"}

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiResponse()})
    def get(self, request, pk):
        return files.file_response(selectors.screenshot_get_for_user(screenshot_id=pk, access=self.access))


EnquiryMetricsSerializer = metrics_serializer("EnquiryMetricsSerializer", ENQUIRY)


class EnquiryCountsSerializer(serializers.Serializer):
    enquiries = serializers.IntegerField()
    new_enquiries = serializers.IntegerField()
    wechat_added = serializers.IntegerField()
    phone_contacts = serializers.IntegerField()
    converted_customers = serializers.IntegerField()
    paying_customers = serializers.IntegerField()


class EnquiryChannelRowSerializer(serializers.Serializer):
    channel = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    enquiries = serializers.IntegerField()
    new_enquiries = serializers.IntegerField()
    converted_customers = serializers.IntegerField()
    paying_customers = serializers.IntegerField()
    enquiry_conversion_rate = serializers.FloatField(allow_null=True)
    enquiry_payment_rate = serializers.FloatField(allow_null=True)


class EnquirySalespersonRowSerializer(serializers.Serializer):
    salesperson = serializers.IntegerField()
    name = serializers.CharField()
    wechat_added = serializers.IntegerField()
    phone_contacts = serializers.IntegerField()
    wechat_conversion_rate = serializers.FloatField(allow_null=True)
    phone_conversion_rate = serializers.FloatField(allow_null=True)


class EnquiryStatsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    metrics = EnquiryMetricsSerializer()
    counts = EnquiryCountsSerializer()
    previous_counts = EnquiryCountsSerializer()
    channels = EnquiryChannelRowSerializer(many=True)
    salespeople = EnquirySalespersonRowSerializer(many=True)


class EnquiryStatsView(StoreAPIView):
    required_permission = "enquiries.view"
    serializer_class = EnquiryStatsSerializer

    @extend_schema(operation_id="enquiry_stats", parameters=QUERY_PARAMETERS, responses=EnquiryStatsSerializer)
    def get(self, request):
        period, channel_id, salesperson_id = parse_figures_query(request, self.access)
        return Response(enquiry_stats_body(period=period, channel_id=channel_id, salesperson_id=salesperson_id))
