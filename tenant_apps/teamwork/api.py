"""Store-host API of the team's work: ``/api/v1/announcements``, ``/api/v1/tasks`` (work
assignments) and ``/api/v1/reports`` (daily reports).

Refusals are problem+json: ``validation_error`` (400), ``permission_denied`` (403), ``not_found``
(404, also for what the caller may not see), ``invalid_transition`` (409). Nothing is written on
a refusal.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.serializers import UserNameField, user_label
from shared_apps.platform.viewsets import StoreViewSet
from tenant_apps.teamwork import selectors, services
from tenant_apps.teamwork.models import Announcement, DailyReport, WorkTask


def _query(request, keys) -> dict[str, str]:
    return {key: request.query_params.get(key) for key in keys if request.query_params.get(key) is not None}


# --- announcements ----------------------------------------------------------------------------


class AnnouncementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    source = serializers.ChoiceField(
        choices=[selectors.SOURCE_STORE, selectors.SOURCE_HQ],
        read_only=True,
        help_text="`store`: posted in this store; `hq`: broadcast by HQ (read-only, no receipts).",
    )
    from_hq = serializers.SerializerMethodField()
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    author = serializers.IntegerField(read_only=True, allow_null=True, help_text="User id; null for HQ.")
    author_name = serializers.CharField(read_only=True)
    audience = serializers.ChoiceField(choices=Announcement.Audience.choices, read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    is_read = serializers.BooleanField(read_only=True, allow_null=True, help_text="Null for HQ announcements.")

    @extend_schema_field(serializers.BooleanField())
    def get_from_hq(self, item) -> bool:
        return item.source == selectors.SOURCE_HQ


class AnnouncementCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=services.TITLE_MAX_LENGTH)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.TEXT_MAX_LENGTH)
    audience = serializers.ChoiceField(choices=Announcement.Audience.choices)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=StoreRole.choices),
        required=False,
        default=list,
        max_length=len(StoreRole.values),
        help_text="With audience `roles`.",
    )
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=services.MAX_PEOPLE,
        help_text="User ids of members, with audience `people`.",
    )


class ReceiptSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField()
    email = serializers.EmailField()
    read = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.BooleanField())
    def get_read(self, row) -> bool:
        return row.read_at is not None


class ReceiptsSerializer(serializers.Serializer):
    announcement = serializers.IntegerField()
    recipients = serializers.IntegerField()
    read = serializers.IntegerField()
    unread = serializers.IntegerField()
    receipts = ReceiptSerializer(many=True)


def _store_item(announcement) -> selectors.FeedItem:
    return selectors.FeedItem(
        id=announcement.pk,
        source=selectors.SOURCE_STORE,
        title=announcement.title,
        body=announcement.body,
        author=announcement.author_id,
        author_name=user_label(announcement.author),
        audience=announcement.audience,
        roles=list(announcement.roles or []),
        created_at=announcement.created_at,
        is_read=getattr(announcement, "is_read", None),
    )


ANNOUNCEMENT_FILTERS = ("source", "unread", "author")


class AnnouncementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Announcements addressed to the caller (and those they wrote), with HQ's announcements to
    this store marked ``source: "hq"``. Supervisors and admins post them to everyone, to roles or
    to people; each recipient marks one read; the author and admins see the read receipts."""

    serializer_class = AnnouncementSerializer
    queryset = Announcement.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    required_permissions = {
        "GET": "announcements.view",
        "create": "announcements.manage",
        "read": "announcements.view",
    }

    def get_queryset(self):
        return Announcement.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("source", OpenApiTypes.STR, enum=[selectors.SOURCE_STORE, selectors.SOURCE_HQ]),
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only the store's unread (or read) ones."),
            OpenApiParameter("author", OpenApiTypes.STR, description="A user id, or `me`."),
        ],
        responses={200: AnnouncementSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        items = selectors.announcement_feed(access=self.access, filters=_query(request, ANNOUNCEMENT_FILTERS))
        page = self.paginate_queryset(items)
        return self.get_paginated_response(AnnouncementSerializer(page, many=True).data)

    @extend_schema(responses={200: AnnouncementSerializer})
    def retrieve(self, request, pk=None):
        announcement = selectors.announcement_get_for_user(announcement_id=pk, access=self.access)
        return Response(AnnouncementSerializer(_store_item(announcement)).data)

    @extend_schema(request=AnnouncementCreateSerializer, responses={201: AnnouncementSerializer})
    def create(self, request):
        serializer = AnnouncementCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        announcement = services.announcement_create(
            access=self.access,
            title=data["title"],
            body=data.get("body", ""),
            audience=data["audience"],
            roles=data.get("roles"),
            people=data.get("people"),
        )
        announcement = selectors.announcement_get_for_user(announcement_id=announcement.pk, access=self.access)
        return Response(AnnouncementSerializer(_store_item(announcement)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AnnouncementSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        announcement = services.announcement_mark_read(access=self.access, announcement_id=pk)
        return Response(AnnouncementSerializer(_store_item(announcement)).data)

    @extend_schema(responses={200: ReceiptsSerializer})
    @action(detail=True, methods=["get"])
    def receipts(self, request, pk=None):
        announcement = selectors.announcement_get_for_user(announcement_id=pk, access=self.access)
        rows = selectors.announcement_receipts(announcement=announcement, access=self.access)
        read = sum(1 for row in rows if row.read_at is not None)
        body = {
            "announcement": announcement.pk,
            "recipients": len(rows),
            "read": read,
            "unread": len(rows) - read,
            "receipts": rows,
        }
        return Response(ReceiptsSerializer(body).data)


# --- work assignments -------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.IntegerField(source="assignee_id", read_only=True)
    assignee_name = UserNameField(source="assignee")
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    created_by_name = UserNameField(source="created_by")
    is_overdue = serializers.BooleanField(read_only=True, help_text="Open or in progress after its due date.")

    class Meta:
        model = WorkTask
        fields = [
            "id",
            "title",
            "description",
            "assignee",
            "assignee_name",
            "created_by",
            "created_by_name",
            "due_date",
            "status",
            "is_overdue",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=services.TITLE_MAX_LENGTH)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.TEXT_MAX_LENGTH
    )
    assignee = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="User id of a member.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class TaskUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WorkTask.Status.choices, required=False)
    title = serializers.CharField(max_length=services.TITLE_MAX_LENGTH, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX_LENGTH)
    assignee = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)


TASK_FILTERS = ("assignee", "created_by", "status", "due", "due_from", "due_to", "ordering")


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Work assignments. Supervisors (for their team) and admins assign work; the assignee moves
    it through open → in progress → done; whoever assigned it may cancel or reopen it."""

    serializer_class = TaskSerializer
    queryset = WorkTask.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_permissions = {"GET": "tasks.view", "POST": "tasks.assign", "PATCH": "tasks.view"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WorkTask.objects.none()
        return selectors.task_list(access=self.access, filters=_query(self.request, TASK_FILTERS))

    def get_object(self) -> WorkTask:
        return selectors.task_get_for_user(task_id=self.kwargs["pk"], access=self.access)

    @extend_schema(
        parameters=[
            OpenApiParameter("assignee", OpenApiTypes.STR, description="A user id, or `me`."),
            OpenApiParameter("created_by", OpenApiTypes.STR, description="A user id, or `me`."),
            OpenApiParameter("status", OpenApiTypes.STR, description="One status, or several comma-separated."),
            OpenApiParameter("due", OpenApiTypes.STR, enum=["overdue", "today", "upcoming", "none"]),
            OpenApiParameter("due_from", OpenApiTypes.DATE),
            OpenApiParameter("due_to", OpenApiTypes.DATE),
            OpenApiParameter("ordering", OpenApiTypes.STR, enum=list(selectors.TASK_ORDERINGS)),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer})
    def create(self, request):
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        task = services.task_create(
            access=self.access,
            title=data["title"],
            description=data.get("description", ""),
            assignee_id=data["assignee"],
            due_date=data.get("due_date"),
        )
        return Response(TaskSerializer(self.get_task(task.pk)).data, status=status.HTTP_201_CREATED)

    def get_task(self, task_id) -> WorkTask:
        return selectors.task_get_for_user(task_id=task_id, access=self.access)

    @extend_schema(request=TaskUpdateSerializer, responses={200: TaskSerializer})
    def partial_update(self, request, pk=None):
        task = self.get_object()
        serializer = TaskUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        task = services.task_update(
            access=self.access,
            task_id=task.pk,
            status=data.get("status"),
            title=data.get("title"),
            description=data.get("description"),
            assignee_id=data.get("assignee"),
            due_date=data.get("due_date", services.UNSET),
        )
        return Response(TaskSerializer(task).data)


# --- daily reports ----------------------------------------------------------------------------


class ReportSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = UserNameField(source="author")

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "author",
            "author_name",
            "date",
            "done_today",
            "plan_tomorrow",
            "problems",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReportWriteSerializer(serializers.Serializer):
    done_today = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.REPORT_FIELD_MAX_LENGTH
    )
    plan_tomorrow = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.REPORT_FIELD_MAX_LENGTH
    )
    problems = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.REPORT_FIELD_MAX_LENGTH
    )


REPORT_FILTERS = ("author", "date_from", "date_to")


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreViewSet):
    """Daily work reports: one per person and store-local day (posting again the same day
    replaces it). Visible to the author, and to their supervisor (team) and the store's admins."""

    serializer_class = ReportSerializer
    queryset = DailyReport.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "head", "options"]
    required_permissions = {"GET": "reports.view", "POST": "reports.create"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DailyReport.objects.none()
        return selectors.report_list(access=self.access, filters=_query(self.request, REPORT_FILTERS))

    def get_object(self) -> DailyReport:
        return selectors.report_get_for_user(report_id=self.kwargs["pk"], access=self.access)

    @extend_schema(
        parameters=[
            OpenApiParameter("author", OpenApiTypes.STR, description="A user id, or `me`."),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Store-local date, inclusive."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Store-local date, inclusive."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ReportWriteSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer},
        description="Today's report of the caller: 201 when created, 200 when today's was replaced.",
    )
    def create(self, request):
        serializer = ReportWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report, created = services.report_submit(access=self.access, **serializer.validated_data)
        report = selectors.report_get_for_user(report_id=report.pk, access=self.access)
        return Response(
            ReportSerializer(report).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
