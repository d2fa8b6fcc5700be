"""A store urlconf with one view that fails, to see what Sentry receives."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("boom for sentry")


urlpatterns = [
    path("boom/", boom),
    path("", include("config.urls_tenant")),
]
