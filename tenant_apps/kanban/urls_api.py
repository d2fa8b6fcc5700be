"""Store-host API of kanban (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.kanban import api, api_kanban

router = SimpleRouter(trailing_slash=False)
router.register("announcements", api.AnnouncementViewSet, basename="announcement")
router.register("tasks", api.TaskViewSet, basename="task")
router.register("reports", api.ReportViewSet, basename="report")

urlpatterns: list = [
    path("kanban", api_kanban.KanbanView.as_view(), name="kanban"),
    *router.urls,
]
