"""RFC 9457 problem details, used by the DRF exception handler and by middleware alike."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(
    *, status: int, code: str, title: str, detail: str = "", errors: dict | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://docs.storecrm.dev/problems/{code}",
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "code": str(code),
        "errors": errors or {},
    }
    body.update(extra)
    return body


def problem_response(
    *, status: int, code: str, title: str, detail: str = "", errors: dict | None = None, **extra: Any
) -> JsonResponse:
    body = problem_body(status=status, code=code, title=title, detail=detail, errors=errors, **extra)
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def payload_too_large_body() -> dict[str, Any]:
    from django.conf import settings
    from django.utils.translation import gettext as _

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem_body(
        status=413,
        code="payload_too_large",
        title=_("The request body is too large."),
        detail=_("A request body may be at most %(megabytes)s MB (files excepted).")
        % {"megabytes": f"{limit / 1024 / 1024:g}"},
        max_bytes=limit,
    )


def wants_json(request) -> bool:
    """API paths and clients that ask for JSON get problem+json; browsers get an HTML page."""
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "html" not in accept
