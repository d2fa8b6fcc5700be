"""Store-host API of the team's work (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from tenant_apps.teamwork import api

router = SimpleRouter(trailing_slash=False)
router.register("announcements", api.AnnouncementViewSet, basename="announcement")
router.register("tasks", api.TaskViewSet, basename="task")
router.register("reports", api.ReportViewSet, basename="report")

urlpatterns: list = router.urls
