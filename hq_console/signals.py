"""Sign-ins to the HQ host, and failures, recorded in the public schema (page and token)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed

from shared_apps.accounts.signals import token_issued


def _on_hq_host(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return request is not None and tenant is not None and tenant.schema_name == settings.PUBLIC_SCHEMA_NAME


def _signed_in(sender, request=None, user=None, **kwargs) -> None:
    if _on_hq_host(request):
        from hq_console import services

        method = "token" if sender.__name__ == "TokenCreateView" else "page"
        services.record_hq_sign_in(request=request, email=user.email, user_id=user.pk, succeeded=True, method=method)


def _failed(sender, credentials=None, request=None, **kwargs) -> None:
    if _on_hq_host(request):
        from hq_console import services

        email = str((credentials or {}).get("email") or (credentials or {}).get("username") or "")
        method = "token" if request.path.startswith("/api/") else "page"
        services.record_hq_sign_in(request=request, email=email, user_id=None, succeeded=False, method=method)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="hq_console.signed_in")
    token_issued.connect(_signed_in, dispatch_uid="hq_console.token_issued")
    user_login_failed.connect(_failed, dispatch_uid="hq_console.failed")
