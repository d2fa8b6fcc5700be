"""Request-level identity and the store gate.

BearerTokenMiddleware: an ``Authorization: Bearer`` header authenticates the request (pages and
API alike); a bad token is remembered so that the API answers 401 with the precise code.

StoreAccessMiddleware, on a store host:
* a signed-in user with neither a membership nor an HQ role gets 404 for every path: the store
  does not exist for them;
* a suspended store answers 403 ``store_suspended`` to its members, 404 to everyone else;
* a read-only store (or HQ read-only access) refuses unsafe methods with 423 / 403;
* every request an HQ user makes on a store host is audited.
Anonymous requests pass: views answer 401 (API) or redirect to the login page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.translation import gettext as _

from shared_apps.accounts.access import api_key_store_access, resolve_store_access
from shared_apps.accounts.api_keys import api_key_authenticate, is_api_key
from shared_apps.accounts.services import TokenError, token_authenticate
from shared_apps.platform.audit import record_hq_access
from shared_apps.platform.errors import ErrorCode
from shared_apps.platform.problems import problem_response, wants_json

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The host a session was signed in on, kept in the session itself.
SESSION_HOST_KEY = "_bound_host"


def bind_session_to_host(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the new session belongs to this host."""
    session = getattr(request, "session", None)
    if session is None:
        return
    try:
        session[SESSION_HOST_KEY] = request.get_host().lower()
    except (KeyError, DisallowedHost):  # a login outside an HTTP request (a test client's force_login)
        return


class SessionHostMiddleware:
    """A session is used only on the host it was signed in on.

    Cookies are per host already (no ``SESSION_COOKIE_DOMAIN``); this holds on the server too: a
    session presented on another host is not loaded there (the request is anonymous, and the
    session itself is left untouched for its own host). A session from before binding is bound to
    the first host that uses it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            try:
                host = request.get_host().lower()
            except DisallowedHost:
                host = ""
            bound = session.get(SESSION_HOST_KEY)
            if bound is None and session.get("_auth_user_id"):
                session[SESSION_HOST_KEY] = host
            elif bound is not None and bound != host:
                request.session = session.__class__()
        return self.get_response(request)


# Paths that work on a store host without membership (they reveal nothing of the store).
OPEN_PATH_PREFIXES = (
    "/static/",
    "/login/",
    "/password-reset/",
    "/logout/",
    "/i18n/",
    "/api/v1/auth/token",
    "/api/v1/invitations",
    "/invitations/",
    "/password/set/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/signup",
    "/signup/",
    "/api/v1/billing/webhook",
)

# Under an open prefix, but for signed-in members only (a user's own tokens).
MEMBER_PATH_PREFIXES = ("/api/v1/auth/tokens",)


def is_open_path(path: str) -> bool:
    return path.startswith(OPEN_PATH_PREFIXES) and not path.startswith(MEMBER_PATH_PREFIXES)


# Writes a read-only store still accepts: paying the bill is how it becomes writable again.
READ_ONLY_WRITABLE_PREFIXES = ("/billing/", "/api/v1/billing/")


def bearer_value(request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.token_error = None
        request.api_key = None
        raw = bearer_value(request)
        if raw:
            try:
                if is_api_key(raw):
                    key = api_key_authenticate(raw)
                    user, token = key.user, key
                    request.api_key = key
                else:
                    user, token = token_authenticate(raw)
            except TokenError as exc:
                request.token_error = exc
            else:
                request.user = user
                request.api_token = token
                request._dont_enforce_csrf_checks = True
        return self.get_response(request)


def _is_store_host(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.schema_name != settings.PUBLIC_SCHEMA_NAME


REFUSED_STATUSES = frozenset({401, 403})


class StoreAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store_access = None
        if not _is_store_host(request):
            return self.get_response(request)
        store = request.tenant
        if not request.user.is_authenticated:
            if store.status == store.Status.SUSPENDED and not is_open_path(request.path):
                from tenants.middleware import not_found_response

                return not_found_response(request)
            return self.get_response(request)

        api_key = getattr(request, "api_key", None)
        if api_key is not None:
            access = api_key_store_access(api_key, store)
        else:
            access = resolve_store_access(user=request.user, store=store)
        if access is None:
            if is_open_path(request.path):
                return self.get_response(request)
            from tenants.middleware import not_found_response

            return not_found_response(request)

        request.store_access = access
        if access.via_hq:
            allowed = request.method in SAFE_METHODS or request.path.startswith(("/logout/", "/i18n/"))
            log = record_hq_access(
                user=request.user, store=store, method=request.method, path=request.get_full_path(), allowed=allowed
            )
            if not allowed:
                return _refuse(request, 403, ErrorCode.PERMISSION_DENIED, _("HQ access to a store is read-only."))
            response = self._guarded(request, store)
            if response.status_code in REFUSED_STATUSES:
                # the view refused it (an export or a page the HQ roles may not open): the log says so
                log.allowed = False
                log.save(update_fields=["allowed"])
            return response
        return self._guarded(request, store)

    def _guarded(self, request, store):
        if store.status == store.Status.SUSPENDED and not is_open_path(request.path):
            return _refuse(request, 403, ErrorCode.STORE_SUSPENDED, _("This store is suspended."))
        if (
            store.status == store.Status.READ_ONLY
            and request.method not in SAFE_METHODS
            and not is_open_path(request.path)
            and not request.path.startswith(READ_ONLY_WRITABLE_PREFIXES)
        ):
            return _refuse(request, 423, ErrorCode.TENANT_READ_ONLY, _("This store is read-only."))
        return self.get_response(request)


def _refuse(request, status: int, code: str, title: str):
    if wants_json(request):
        return problem_response(status=status, code=code, title=title)
    from django.shortcuts import render

    return render(request, "error.html", {"status": status, "title": title}, status=status)
