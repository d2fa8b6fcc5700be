"""Sign-ins to this store's host, and failures, recorded in the store (page and token)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import connection

from shared_apps.accounts.signals import token_issued


def _on_store_host(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return (
        request is not None
        and tenant is not None
        and tenant.schema_name != settings.PUBLIC_SCHEMA_NAME
        and connection.schema_name == tenant.schema_name
    )


def sign_in_handlers(on_host, record):
    """The ``user_logged_in``/``token_issued`` and ``user_login_failed`` receivers that call
    ``record(request=, email=, user_id=, succeeded=, method=)`` for requests ``on_host`` accepts."""

    def signed_in(sender, request=None, user=None, **kwargs) -> None:
        if on_host(request):
            method = "token" if sender.__name__ == "TokenCreateView" else "page"
            record(request=request, email=user.email, user_id=user.pk, succeeded=True, method=method)

    def failed(sender, credentials=None, request=None, **kwargs) -> None:
        if on_host(request):
            email = str((credentials or {}).get("email") or (credentials or {}).get("username") or "")
            method = "token" if request.path.startswith("/api/") else "page"
            record(request=request, email=email, user_id=None, succeeded=False, method=method)

    return signed_in, failed


def _record(**kwargs) -> None:
    from tenant_apps.audit import services

    services.record_sign_in(**kwargs)


_signed_in, _failed = sign_in_handlers(_on_store_host, _record)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="audit.signed_in")
    token_issued.connect(_signed_in, dispatch_uid="audit.token_issued")
    user_login_failed.connect(_failed, dispatch_uid="audit.failed")
