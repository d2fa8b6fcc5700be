"""Store-host API of the workspace (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.workspace import api

router = SimpleRouter(trailing_slash=False)
router.register("channels", api.ChannelViewSet, basename="channel")

urlpatterns = [
    path("settings", api.StoreSettingsView.as_view(), name="store-settings"),
    *router.urls,
]
