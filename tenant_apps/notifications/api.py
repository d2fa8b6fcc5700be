"""Store-host API: ``GET /api/v1/notifications`` and ``POST /api/v1/notifications/read``,
notification preferences, and the store's SMS signature and templates (store admins).

Everyone sees only their own notifications; ids of anyone else's are silently ignored.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.viewsets import StoreAPIView, StoreViewSet
from tenant_apps.notifications import selectors, services
from tenant_apps.notifications.models import Notification, SmsTemplate

MAX_IDS = 1000


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    title = serializers.CharField(source="shown_title", read_only=True, help_text="In the reader's language.")
    body = serializers.CharField(source="shown_body", read_only=True, help_text="In the reader's language.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "data", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=MAX_IDS,
        help_text="Notifications to mark read; leave out to mark all of yours read.",
    )


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(method="filter_unread", label="unread: true for unread only, false for read only")
    kind = filters.CharFilter(field_name="kind")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value)


class NotificationViewSet(mixins.ListModelMixin, StoreViewSet):
    """The signed-in user's notifications in this store, newest first."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    required_permissions = {"GET": "notifications.view", "POST": "notifications.view"}
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notifications_for(access=self.access)

    @extend_schema(
        request=MarkReadSerializer,
        responses={
            200: inline_serializer(
                "NotificationsMarked", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="read")
    def read(self, request):
        """Mark your notifications read: those of ``ids``, or all of them when ``ids`` is left out."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = services.mark_read(access=self.access, ids=serializer.validated_data.get("ids"))
        return Response({"marked": marked, "unread": selectors.unread_count(access=self.access)})


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    email = serializers.BooleanField()
    in_app = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    kinds = KindPreferenceSerializer(many=True, read_only=True)
    email = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        write_only=True,
        help_text='Email per kind: {"pool.released": false, ...}. In-app notifications always arrive.',
    )
    mobile = serializers.CharField(required=False, allow_blank=True, help_text="Your number for SMS in this store.")
    sms_opt_out = serializers.BooleanField(required=False, help_text="true: send me no SMS.")


class PreferencesView(StoreAPIView):
    """Your notification preferences in this store: email per kind, SMS number and opt-out."""

    required_permissions = {"GET": "notifications.view", "PATCH": "notifications.view"}

    @extend_schema(responses={200: PreferencesSerializer})
    def get(self, request):
        return Response(services.preferences_get(access=self.access))

    @extend_schema(request=PreferencesSerializer, responses={200: PreferencesSerializer})
    def patch(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        unknown = set(data) - {"email", "mobile", "sms_opt_out"}
        if unknown:
            raise ValidationFailed(
                _("Invalid preferences."), errors={key: [_("Unknown field.")] for key in sorted(unknown)}
            )
        return Response(
            services.preferences_update(
                access=self.access,
                email=data.get("email"),
                mobile=data.get("mobile"),
                sms_opt_out=data.get("sms_opt_out"),
            )
        )


class SmsSettingsSerializer(serializers.Serializer):
    signature = serializers.CharField(allow_blank=True, max_length=40)


class SmsSettingsView(StoreAPIView):
    """The store's SMS signature (store admins)."""

    required_permissions = {"GET": "settings.view", "PATCH": "settings.manage"}

    @extend_schema(responses={200: SmsSettingsSerializer})
    def get(self, request):
        return Response({"signature": services.sms_settings_get().signature})

    @extend_schema(request=SmsSettingsSerializer, responses={200: SmsSettingsSerializer})
    def patch(self, request):
        serializer = SmsSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.sms_settings_update(signature=serializer.validated_data["signature"])
        return Response({"signature": row.signature})


class SmsTemplateSerializer(serializers.ModelSerializer):
    placeholders = serializers.SerializerMethodField(help_text='The placeholders the text uses, such as ["title"].')

    class Meta:
        model = SmsTemplate
        fields = ["id", "code", "name", "provider_template_code", "body", "enabled", "placeholders", "updated_at"]
        read_only_fields = fields

    def get_placeholders(self, obj) -> list[str]:
        try:
            return services.sms_placeholders(obj.body)
        except ValueError:
            return []


class SmsTemplateWriteSerializer(serializers.Serializer):
    code = serializers.CharField(
        required=False, help_text="The kind of message it serves, such as automation.alert (unique in the store)."
    )
    name = serializers.CharField(required=False)
    provider_template_code = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The provider's template code (Aliyun TemplateCode), such as SMS_154950909.",
    )
    body = serializers.CharField(
        required=False, help_text="The text; placeholders {title} and {rule} only ({{ and }} for a literal brace)."
    )
    enabled = serializers.BooleanField(required=False)


class SmsTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """The store's SMS templates, one per kind of message (store admins). The SMS of a kind goes
    out with its enabled template's provider code and text; without one, as before."""

    serializer_class = SmsTemplateSerializer
    queryset = SmsTemplate.objects.none()
    required_permissions = {
        "GET": "settings.manage",
        "POST": "settings.manage",
        "PATCH": "settings.manage",
        "DELETE": "settings.manage",
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SmsTemplate.objects.none()
        return selectors.sms_template_list()

    def get_object(self):
        return selectors.sms_template_get(template_id=self.kwargs["pk"])

    @extend_schema(request=SmsTemplateWriteSerializer, responses={201: SmsTemplateSerializer})
    def create(self, request):
        row = services.sms_template_create(access=self.access, data=_payload(request))
        return Response(SmsTemplateSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SmsTemplateWriteSerializer, responses={200: SmsTemplateSerializer})
    def partial_update(self, request, pk=None):
        row = services.sms_template_update(access=self.access, template_id=pk, data=_payload(request))
        return Response(SmsTemplateSerializer(row).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.sms_template_delete(access=self.access, template_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _payload(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed(_("Send a JSON object."))
    return dict(request.data)
