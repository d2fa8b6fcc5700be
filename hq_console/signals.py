"""Sign-ins to the HQ host, and failures, recorded in the public schema (page and token)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed

from shared_apps.accounts.signals import token_issued
from tenant_apps.audit.signals import sign_in_handlers


def _on_hq_host(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return request is not None and tenant is not None and tenant.schema_name == settings.PUBLIC_SCHEMA_NAME


def _record(**kwargs) -> None:
    from hq_console import services

    services.record_hq_sign_in(**kwargs)


_signed_in, _failed = sign_in_handlers(_on_hq_host, _record)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="hq_console.signed_in")
    token_issued.connect(_signed_in, dispatch_uid="hq_console.token_issued")
    user_login_failed.connect(_failed, dispatch_uid="hq_console.failed")
