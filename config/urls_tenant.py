"""URLs of a store host (<subdomain>.<BASE_DOMAIN>)."""

from django.urls import include, path

from config.urls_common import common_api_urlpatterns, common_page_urlpatterns
from shared_apps.accounts import api as accounts_api
from shared_apps.accounts import views as accounts_views

api_urlpatterns = [
    *common_api_urlpatterns,
    path("me", accounts_api.MeView.as_view(), name="api-me"),
    path("", include("shared_apps.accounts.urls_store_api")),
    path("", include("tenant_apps.workspace.urls_api")),
    path("", include("tenant_apps.notifications.urls_api")),
    path("", include("tenant_apps.customers.urls_api")),
    path("", include("tenant_apps.pool.urls_api")),
    path("", include("tenant_apps.imports.urls_api")),
    path("", include("tenant_apps.sales.urls_api")),
    path("", include("tenant_apps.finance.urls_api")),
    path("", include("tenant_apps.aftersales.urls_api")),
    path("", include("tenant_apps.enquiries.urls_api")),
    path("", include("tenant_apps.kanban.urls_api")),
    path("", include("tenant_apps.teamwork.urls_api")),
    path("", include("tenant_apps.insights.urls_api")),
    path("", include("tenant_apps.leads.urls_api")),
    path("", include("tenant_apps.handover.urls_api")),
    path("", include("tenant_apps.audit.urls_api")),
    path("", include("tenant_apps.lists.urls_api")),
    path("", include("tenant_apps.automation.urls_api")),
    path("", include("tenant_apps.webhooks.urls_api")),
]

urlpatterns = [
    *common_page_urlpatterns,
    path("invitations/", accounts_views.invitations_page, name="invitations"),
    path(
        "invitations/<int:invitation_id>/accept/", accounts_views.invitation_accept_page, name="invitation-accept-page"
    ),
    path("password/set/<str:uidb64>/<str:token>/", accounts_views.password_set_page, name="password-set"),
    path("api/v1/", include(api_urlpatterns)),
    path("", include("shared_apps.billing.urls_store")),
    path("", include("tenant_apps.workspace.urls")),
    path("notifications/", include("tenant_apps.notifications.urls")),
    path("customers/", include("tenant_apps.customers.urls")),
    path("pool/", include("tenant_apps.pool.urls")),
    path("imports/", include("tenant_apps.imports.urls")),
    path("sales/", include("tenant_apps.sales.urls")),
    path("finance/", include("tenant_apps.finance.urls")),
    path("after-sales/", include("tenant_apps.aftersales.urls")),
    path("enquiries/", include("tenant_apps.enquiries.urls")),
    path("kanban/", include("tenant_apps.kanban.urls")),
    path("kanban/", include("tenant_apps.teamwork.urls")),
    path("insights/", include("tenant_apps.insights.urls")),
    path("leads/", include("tenant_apps.leads.urls")),
    path("handover/", include("tenant_apps.handover.urls")),
    path("audit/", include("tenant_apps.audit.urls")),
    path("", include("tenant_apps.lists.urls")),
    path("automations/", include("tenant_apps.automation.urls")),
    path("settings/webhooks/", include("tenant_apps.webhooks.urls")),
    path("settings/sms/", include("tenant_apps.notifications.urls_sms")),
]

handler400 = "shared_apps.platform.views.bad_request"
handler403 = "shared_apps.platform.views.permission_denied"
handler404 = "shared_apps.platform.views.page_not_found"
handler500 = "shared_apps.platform.views.server_error"
