"""DRF permissions. ``HostAccess`` is the default for every view (settings.REST_FRAMEWORK)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, permissions


def on_store_host(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.schema_name != settings.PUBLIC_SCHEMA_NAME


class HostAccess(permissions.BasePermission):
    """Authenticated, and on a store host a member (or HQ read-only); 404 for the others."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if on_store_host(request) and getattr(request._request, "store_access", None) is None:
            raise exceptions.NotFound()
        return True


class StorePermission(permissions.BasePermission):
    """Checks ``view.required_permissions[method]`` (or ``view.required_permission``) on the access."""

    def has_permission(self, request, view):
        access = getattr(request._request, "store_access", None)
        if access is None:
            raise exceptions.NotFound()
        needed = view.get_required_permission(request)
        if needed and not access.can(needed):
            raise exceptions.PermissionDenied()
        return True


class IsHQ(permissions.BasePermission):
    """HQ executives read; HQ admins read and write. Store users get 403 on the public host."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if on_store_host(request):
            raise exceptions.NotFound()
        user = request.user
        if request.method in permissions.SAFE_METHODS:
            return user.is_hq
        return user.is_hq_admin
