"""A urlconf whose views fail, for the error-page tests (test_error_pages.py only)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls_common import common_page_urlpatterns


def explode(request):
    raise RuntimeError("kaboom in a page")


def missing(request):
    from django.http import Http404

    raise Http404("No such record")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("odd")


urlpatterns = [
    *common_page_urlpatterns,
    path("explode/", explode),
    path("forbidden/", forbidden),
    path("missing/", missing),
    path("suspicious/", suspicious),
]
handler400 = "shared_apps.platform.views.bad_request"
handler403 = "shared_apps.platform.views.permission_denied"
handler404 = "shared_apps.platform.views.page_not_found"
handler500 = "shared_apps.platform.views.server_error"
