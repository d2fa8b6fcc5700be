"""DRF authentication: bearer tokens (resolved once by BearerTokenMiddleware) and sessions."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from shared_apps.accounts.middleware import bearer_value


class TokenFailed(exceptions.AuthenticationFailed):
    def __init__(self, code: str, message: str):
        super().__init__(detail=message)
        self.problem_code = code


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        django_request = request._request
        if not bearer_value(django_request):
            return None
        error = getattr(django_request, "token_error", None)
        if error is not None:
            raise TokenFailed(error.code, error.message)
        token = getattr(django_request, "api_token", None)
        if token is None:
            raise TokenFailed("token_invalid", _("Invalid token."))
        return (django_request.user, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """Django's session, with CSRF enforced as usual; answers 401 (not 403) when absent."""

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
