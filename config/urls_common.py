"""URLs served on every host: sign-in, tokens, the OpenAPI schema and docs, language switch."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shared_apps.accounts import api as accounts_api
from shared_apps.accounts import password_reset
from shared_apps.accounts import views as accounts_views
from shared_apps.platform import views as platform_views


class HostSchemaView(SpectacularAPIView):
    """The OpenAPI document of the host's own urlconf: store endpoints on a store host, HQ and
    onboarding endpoints on the public host."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        self.urlconf = getattr(request, "urlconf", None)
        return super().get(request, *args, **kwargs)


common_api_urlpatterns = [
    path("auth/token", accounts_api.TokenCreateView.as_view(), name="api-token"),
    path("auth/tokens", accounts_api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:token_id>", accounts_api.TokenDetailView.as_view(), name="api-token-detail"),
    path("schema/", HostSchemaView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP to allow.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

common_page_urlpatterns = [
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", password_reset.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", password_reset.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", platform_views.healthz, name="healthz"),
]
