"""URLs of the public host (BASE_DOMAIN): the HQ console, HQ and onboarding API."""

from django.urls import include, path

from config.urls_common import common_api_urlpatterns, common_page_urlpatterns
from shared_apps.accounts import api as accounts_api
from shared_apps.billing import views as billing_views
from shared_apps.platform import observability

api_urlpatterns = [
    *common_api_urlpatterns,
    path("me", accounts_api.MeView.as_view(), name="api-me"),
    path("hq/", include("hq_reports.urls_api")),
    path("hq/", include("hq_console.urls_api")),
    path("hq/", include("hq_insights.urls_api")),
    path("", include("shared_apps.billing.urls_public")),
]

urlpatterns = [
    *common_page_urlpatterns,
    path("signup/", billing_views.signup_page, name="signup"),
    path("signup/<uuid:signup_id>/", billing_views.signup_status_page, name="signup-status"),
    path("metrics", observability.metrics_view, name="metrics"),
    path("readyz", observability.readyz, name="readyz"),
    path("api/v1/", include(api_urlpatterns)),
    path("", include("hq_reports.urls")),
    path("", include("hq_console.urls")),
    path("", include("hq_insights.urls")),
]

handler400 = "shared_apps.platform.views.bad_request"
handler403 = "shared_apps.platform.views.permission_denied"
handler404 = "shared_apps.platform.views.page_not_found"
handler500 = "shared_apps.platform.views.server_error"
