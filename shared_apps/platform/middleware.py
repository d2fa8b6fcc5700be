"""Request guards that hold for every host and every view."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shared_apps.platform.errors import ErrorCode
from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE, payload_too_large_body, problem_response, wants_json


def payload_too_large(request):
    body = payload_too_large_body()
    if wants_json(request):
        return JsonResponse(
            body, status=413, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
        )
    return render(request, "error.html", {"status": 413, "title": body["title"], "detail": body["detail"]}, status=413)


class RequestSizeMiddleware:
    """Bodies larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` answer 413 before anything reads them.

    Multipart uploads are left to their own limits (``IMPORT_MAX_BYTES``, ``VOUCHER_MAX_BYTES``...,
    each a 413 ``file_too_large``) up to ``REQUEST_MAX_BYTES``; a body that announces no length and
    turns out too large while being read is answered the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.REQUEST_MAX_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return payload_too_large(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large(request)
        return None


class RejectNulQueryMiddleware:
    """A query parameter holding a NUL character is refused with 400 before any view reads it.

    PostgreSQL text cannot contain NUL, so such a value would reach the database only to fail
    there; no filter of the product has a use for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            detail = _("Query parameters may not contain NUL characters.")
            if wants_json(request):
                return problem_response(
                    status=400, code=ErrorCode.VALIDATION_ERROR, title=str(_("Invalid input.")), detail=detail
                )
            return HttpResponseBadRequest(detail)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Every response carries a Content-Security-Policy: scripts only from our own origin or with
    this response's nonce (``request.csp_nonce``, in templates ``{{ csp_nonce }}``; htmx gets it too,
    for scripts in swapped content), no plugins, no framing, forms and connections to our origin.
    Styles allow inline ``style`` attributes, which ECharts and htmx's transitions write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = "; ".join(
                (
                    "default-src 'self'",
                    f"script-src 'self' 'nonce-{nonce}'",
                    "style-src 'self' 'unsafe-inline'",
                    "img-src 'self' data: blob:",
                    "font-src 'self' data:",
                    "connect-src 'self'",
                    "object-src 'none'",
                    "base-uri 'self'",
                    "form-action 'self'",
                    "frame-ancestors 'none'",
                )
            )
        return response


class FriendlyErrorPagesMiddleware:
    """The product's own 404 and 403 pages for page routes in every mode, ``DEBUG=1`` included: a
    missing record (``Http404`` from a view), a refused one (``PermissionDenied``) and an address
    no route matches never show Django's debug page with the URL list. (Tracebacks of real server
    errors still show with ``DEBUG=1``, where a developer wants them.) API paths keep problem+json."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and _is_debug_404(response)
        ):
            from shared_apps.platform.views import page_not_found

            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from shared_apps.platform.views import page_not_found, permission_denied

        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None


def _is_debug_404(response) -> bool:
    """Django's technical 404 page (``DEBUG=1``), which lists the URL patterns."""
    content = getattr(response, "content", b"")
    return b"URLconf" in content and b"Django" in content
