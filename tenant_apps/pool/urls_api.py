"""Store-host API of the shared pool (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.pool import api

router = SimpleRouter(trailing_slash=False)
router.register("claims", api.ClaimViewSet, basename="claim")

urlpatterns = [
    path("pool", api.PoolView.as_view(), name="pool"),
    path("pool/releases", api.ReleaseListView.as_view(), name="pool-releases"),
    path("pool/policies", api.PoolPoliciesView.as_view(), name="pool-policies"),
    path("customers/<int:pk>/release", api.CustomerReleaseView.as_view(), name="customer-release"),
    *router.urls,
]
