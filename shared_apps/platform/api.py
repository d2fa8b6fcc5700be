"""API conventions shared by every app: problem+json errors, pagination, base views."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status as http_status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from shared_apps.platform.errors import DomainError, ErrorCode
from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE, payload_too_large_body, problem_body

logger = logging.getLogger(__name__)


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


# No body of the product nests deeper than a handful of levels; anything far deeper is refused
# before a view (or Python's recursion limit) meets it.
MAX_JSON_DEPTH = 32


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _check_json(data: Any) -> None:
    """Walks a parsed body without recursion: too deep, or a NUL character anywhere, is a ParseError."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise drf_exceptions.ParseError(_("Text may not contain NUL characters."))
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise drf_exceptions.ParseError(
                    _("JSON may nest at most %(depth)d levels.") % {"depth": MAX_JSON_DEPTH}
                )
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)


class StrictJSONParser(JSONParser):
    """JSON bodies, refusing NUL characters anywhere (PostgreSQL text cannot store them) and nesting
    deeper than ``MAX_JSON_DEPTH``: 400 ``parse_error``, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise drf_exceptions.ParseError(
                _("JSON may nest at most %(depth)d levels.") % {"depth": MAX_JSON_DEPTH}
            ) from None
        _check_json(data)
        return data


class StrictFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if any(_contains_nul(k) or _contains_nul(v) for k, values in data.lists() for v in values):
            raise drf_exceptions.ParseError(_("Text may not contain NUL characters."))
        return data


class StrictMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if any(_contains_nul(k) or _contains_nul(v) for k, values in parsed.data.lists() for v in values):
            raise drf_exceptions.ParseError(_("Text may not contain NUL characters."))
        return parsed


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


_DRF_CODES: dict[type, str] = {
    drf_exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    drf_exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    drf_exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    drf_exceptions.NotFound: ErrorCode.NOT_FOUND,
    drf_exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    drf_exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    drf_exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    drf_exceptions.Throttled: ErrorCode.THROTTLED,
    drf_exceptions.ParseError: ErrorCode.PARSE_ERROR,
    drf_exceptions.ValidationError: ErrorCode.VALIDATION_ERROR,
}


def _flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"field": ["message", ...]} (nested paths dotted)."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key in ("non_field_errors", "__all__") and not prefix else key
            path = f"{prefix}.{name}" if prefix else str(name)
            for k, v in _flatten_errors(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                for k, v in _flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def _drf_code(exc: drf_exceptions.APIException) -> str:
    custom = getattr(exc, "problem_code", None)  # a subclass naming its own code wins over its base's
    if custom:
        return str(custom)
    for klass in type(exc).__mro__:
        if klass in _DRF_CODES:
            return _DRF_CODES[klass]
    return str(getattr(exc, "default_code", ErrorCode.VALIDATION_ERROR))


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler: every error leaves as application/problem+json with a stable code."""
    headers: dict[str, str] = {}
    if isinstance(exc, RequestDataTooBig):
        return _problem(payload_too_large_body(), 413, headers)
    if isinstance(exc, DomainError):
        body = problem_body(
            status=exc.status, code=exc.code, title=exc.title, detail=exc.detail, errors=exc.errors, **exc.extra
        )
        return _problem(body, exc.status, headers)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    if isinstance(exc, drf_exceptions.APIException):
        code = _drf_code(exc)
        if isinstance(exc, drf_exceptions.ValidationError):
            errors = _flatten_errors(exc.detail)
            title = _("Invalid input.")
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
        else:
            errors = {}
            title = exc.detail if isinstance(exc.detail, str) else exc.default_detail
            detail = str(title)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        body = problem_body(status=exc.status_code, code=code, title=str(title), detail=detail, errors=errors)
        return _problem(body, exc.status_code, headers)
    return None


def _problem(body: dict, status: int, headers: dict[str, str]) -> Response:
    response = Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    if status == http_status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in headers:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
