"""A store urlconf with one failing view (used by test_sentry.py only)."""

from django.urls import path


def explode(request):
    raise RuntimeError("kaboom in a store view")


urlpatterns = [path("explode", explode)]
