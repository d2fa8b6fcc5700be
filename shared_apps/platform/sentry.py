"""Sentry: initialised only when SENTRY_DSN is set. Events carry the store and user id, no PII."""

from __future__ import annotations

from typing import Any


def _strip_personal_data(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request") or {}
    for key in ("cookies", "data", "query_string"):
        request.pop(key, None)
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in ("authorization", "cookie", "x-csrftoken", "x-forwarded-for", "x-real-ip"):
            headers.pop(name, None)
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        crumb.pop("data", None)
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    return event


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float = 0.0) -> bool:
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        # No PII is the SDK's default; ``send_default_pii`` is deprecated in recent SDKs, so it is left unset.
        # Local variables hold customers' names and phone numbers: never send them.
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=_strip_personal_data,
    )
    return True


def tag_scope(*, store: str | None, user_id: int | None) -> None:
    import sentry_sdk

    scope = sentry_sdk.get_isolation_scope()
    scope.set_tag("store", store or "public")
    if user_id is not None:
        scope.set_user({"id": str(user_id)})


class SentryScopeMiddleware:
    """Tags every event with the store (schema) and the user id, once the request is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.conf import settings

        if not settings.SENTRY_DSN:
            return None
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        tag_scope(
            store=getattr(tenant, "schema_name", None),
            user_id=user.pk if user is not None and user.is_authenticated else None,
        )
        return None
