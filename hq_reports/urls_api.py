"""HQ API on the public host (mounted under /api/v1/hq/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hq_reports import api, api_dashboard

app_name = "hq_api"

router = SimpleRouter(trailing_slash=False)
router.register("stores", api.HQStoreViewSet, basename="store")
router.register("subsidiaries", api.SubsidiaryViewSet, basename="subsidiary")
router.register("audit", api.HqAccessViewSet, basename="audit")

urlpatterns = [
    path("provisioning/<str:pk>", api.ProvisioningView.as_view(), name="provisioning-detail"),
    *router.urls,
]
urlpatterns += [path("dashboard", api_dashboard.HQDashboardView.as_view(), name="dashboard")]
urlpatterns += [path("stores/<int:pk>/kanban", api_dashboard.HQStoreKanbanView.as_view(), name="store-kanban")]
