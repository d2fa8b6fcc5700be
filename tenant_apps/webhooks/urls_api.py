"""Store-host API of webhooks (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.webhooks import api

router = SimpleRouter(trailing_slash=False)
router.register("webhooks", api.EndpointViewSet, basename="webhook")

urlpatterns = [
    path("webhooks/<int:pk>/deliveries", api.DeliveryListView.as_view(), name="webhook-deliveries"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver",
        api.RedeliverView.as_view(),
        name="webhook-redeliver",
    ),
    path("webhooks/<int:pk>/test", api.TestEventView.as_view(), name="webhook-test"),
    *router.urls,
]
