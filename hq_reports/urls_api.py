"""HQ API on the public host (mounted under /api/v1/hq/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hq_reports import api

app_name = "hq_api"

router = SimpleRouter(trailing_slash=False)
router.register("stores", api.HQStoreViewSet, basename="store")
router.register("subsidiaries", api.SubsidiaryViewSet, basename="subsidiary")
router.register("audit", api.HqAccessViewSet, basename="audit")

urlpatterns = [
    path("provisioning/<str:pk>", api.ProvisioningView.as_view(), name="provisioning-detail"),
    *router.urls,
]
