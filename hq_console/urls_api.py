"""HQ console API on the public host (mounted under /api/v1/hq/)."""

from django.urls import path

from hq_console import api

app_name = "hq_console_api"

urlpatterns = [
    path("stores/<int:pk>/domains", api.StoreDomainsView.as_view(), name="store-domains"),
    path("stores/<int:pk>/domains/<int:domain_id>", api.StoreDomainDetailView.as_view(), name="store-domain"),
    path("stores/<int:pk>/members", api.StoreMembersView.as_view(), name="store-members"),
    path(
        "stores/<int:pk>/members/<int:membership_id>",
        api.StoreMemberDetailView.as_view(),
        name="store-member",
    ),
    path("policies", api.CompanyPolicyView.as_view(), name="policies"),
    path("announcements", api.HqAnnouncementsView.as_view(), name="announcements"),
    path("announcements/<int:pk>", api.HqAnnouncementDetailView.as_view(), name="announcement"),
    path("automations", api.HqDefaultRulesView.as_view(), name="default-rules"),
    path("automations/<int:pk>", api.HqDefaultRuleDetailView.as_view(), name="default-rule"),
]

urlpatterns += [
    path("stores/<int:pk>/backups", api.StoreBackupsView.as_view(), name="store-backups"),
    path("stores/<int:pk>/restore", api.StoreRestoreView.as_view(), name="store-restore"),
    path(
        "stores/<int:pk>/restores/<uuid:restore_id>", api.StoreRestoreDetailView.as_view(), name="store-restore-status"
    ),
    path("stores/<int:pk>/export", api.StoreExportView.as_view(), name="store-export"),
    path("stores/<int:pk>/exports/<uuid:export_id>", api.StoreExportDetailView.as_view(), name="store-export-status"),
    path(
        "stores/<int:pk>/exports/<uuid:export_id>/archive",
        api.StoreExportArchiveView.as_view(),
        name="store-export-archive",
    ),
    path("stores/<int:pk>/close", api.StoreCloseView.as_view(), name="store-close"),
    path("stores/<int:pk>/reopen", api.StoreReopenView.as_view(), name="store-reopen"),
    path("stores/<int:pk>/audit", api.StoreAuditView.as_view(), name="store-audit"),
    path("stores/<int:pk>/audit/logins", api.StoreSignInsView.as_view(), name="store-audit-logins"),
    path("audit/logins", api.HqSignInsView.as_view(), name="audit-logins"),
]
