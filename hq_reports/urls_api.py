"""HQ API on the public host (mounted under /api/v1/hq/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hq_reports import api, api_dashboard, api_manage

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

urlpatterns += [
    path("stores/<int:pk>/domains", api_manage.StoreDomainsView.as_view(), name="store-domains"),
    path("stores/<int:pk>/domains/<int:domain_id>", api_manage.StoreDomainDetailView.as_view(), name="store-domain"),
    path("stores/<int:pk>/members", api_manage.StoreMembersView.as_view(), name="store-members"),
    path(
        "stores/<int:pk>/members/<int:membership_id>",
        api_manage.StoreMemberDetailView.as_view(),
        name="store-member",
    ),
    path("policies", api_manage.CompanyPolicyView.as_view(), name="policies"),
    path("announcements", api_manage.HqAnnouncementsView.as_view(), name="announcements"),
    path("announcements/<int:pk>", api_manage.HqAnnouncementDetailView.as_view(), name="announcement"),
]
