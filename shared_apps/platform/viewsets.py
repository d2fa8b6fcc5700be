"""Base API views. Every store endpoint inherits ``StoreAPIView`` / ``StoreViewSet``; every HQ
endpoint ``HQAPIView`` / ``HQViewSet``. The bases refuse the wrong kind of host and apply the
role checks, so a new endpoint cannot forget them.

A store view names the permission each method needs::

    class ChannelViewSet(StoreViewSet):
        required_permissions = {"GET": "channels.view", "POST": "channels.manage"}
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, generics, viewsets
from rest_framework.views import APIView

from shared_apps.platform.permissions import HostAccess, IsHQ, StorePermission


class StoreViewMixin:
    permission_classes = [HostAccess, StorePermission]
    required_permissions: dict[str, str] = {}
    required_permission: str | None = "store.view"

    def initial(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
            raise exceptions.NotFound()
        super().initial(request, *args, **kwargs)

    def get_required_permission(self, request) -> str | None:
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        if method in self.required_permissions:
            return self.required_permissions[method]
        action = getattr(self, "action", None)
        if action and action in self.required_permissions:
            return self.required_permissions[action]
        if method != "GET" and self.required_permissions:
            # A write not named explicitly is not allowed.
            raise exceptions.MethodNotAllowed(request.method)
        return self.required_permission

    @property
    def access(self):
        return self.request._request.store_access


class StoreAPIView(StoreViewMixin, APIView):
    pass


class StoreGenericAPIView(StoreViewMixin, generics.GenericAPIView):
    pass


class StoreViewSet(StoreViewMixin, viewsets.GenericViewSet):
    pass


class HQViewMixin:
    permission_classes = [IsHQ]


class HQAPIView(HQViewMixin, APIView):
    pass


class HQViewSet(HQViewMixin, viewsets.GenericViewSet):
    pass
