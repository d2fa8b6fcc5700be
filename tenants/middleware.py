"""Host routing: the store comes from the request's host and nothing else."""

from __future__ import annotations

from django.http import HttpResponseNotFound
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware

from shared_apps.platform.errors import ErrorCode
from shared_apps.platform.problems import problem_response, wants_json


def not_found_response(request):
    """The one 404 for 'no such store' and 'not yours': the two cannot be told apart."""
    if wants_json(request):
        return problem_response(status=404, code=ErrorCode.NOT_FOUND, title=_("Not found."))
    return HttpResponseNotFound(render_to_string("404.html", request=None))


class StoreRoutingMiddleware(TenantMainMiddleware):
    """django-tenants' host → schema routing, with a problem+json 404 for unknown hosts."""

    def no_tenant_found(self, request, hostname):
        return not_found_response(request)


class StoreTimezoneMiddleware:
    """Requests on a store host run in the store's time zone, so pages, forms and the API write and
    read times on the store's own clock (the HQ host: ``settings.TIME_ZONE``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import timezone

        from tenants.storetime import store_zone, zone_named

        tenant = getattr(request, "tenant", None)
        is_store = tenant is not None and tenant.schema_name != settings.PUBLIC_SCHEMA_NAME
        with timezone.override(store_zone(tenant) if is_store else zone_named(None)):
            return self.get_response(request)
