"""Store-host API of leads (mounted under /api/v1/); fixed paths before the router's ``leads/<id>``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.leads import api

router = SimpleRouter(trailing_slash=False)
router.register("leads", api.LeadViewSet, basename="lead")

urlpatterns = [
    path("leads/import", api.LeadImportView.as_view(), name="lead-import"),
    path("leads/settings", api.LeadSettingsView.as_view(), name="lead-settings"),
    path("leads/rules", api.RuleListView.as_view(), name="lead-rules"),
    path("leads/rules/<int:pk>", api.RuleDetailView.as_view(), name="lead-rule"),
    path("leads/agents", api.AgentListView.as_view(), name="lead-agents"),
    *router.urls,
]
