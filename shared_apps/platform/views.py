import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shared_apps.platform.errors import ErrorCode
from shared_apps.platform.problems import problem_response, wants_json


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception=None):
    if wants_json(request):
        return problem_response(status=404, code=ErrorCode.NOT_FOUND, title=_("Not found."))
    return render(request, "404.html", status=404)


def _error_page(request, status: int, title: str, detail: str = ""):
    try:
        return render(request, "error.html", {"status": status, "title": title, "detail": detail}, status=status)
    except Exception:  # noqa: BLE001 - the error page must not fail in its turn
        return HttpResponse(title, status=status, content_type="text/plain; charset=utf-8")


def bad_request(request, exception=None):
    if wants_json(request):
        return problem_response(
            status=400, code=ErrorCode.VALIDATION_ERROR, title=_("The request could not be processed.")
        )
    return _error_page(request, 400, _("The request could not be processed."))


def permission_denied(request, exception=None):
    if wants_json(request):
        return problem_response(
            status=403, code=ErrorCode.PERMISSION_DENIED, title=_("You do not have permission to perform this action.")
        )
    return _error_page(request, 403, _("You do not have permission to open this page."))


# Seconds a client is told to wait when the database cannot be reached.
DATABASE_RETRY_AFTER = 5


def database_unavailable(request):
    """503 while the database cannot be reached (restarted, failed over, connections cut): the
    request changed nothing, and the next one reconnects (no process restart)."""
    title = _("The service is briefly unavailable.")
    detail = _("The database cannot be reached. Please try again in a moment.")
    if wants_json(request):
        response = problem_response(status=503, code=ErrorCode.SERVICE_UNAVAILABLE, title=title, detail=detail)
    else:
        response = _error_page(request, 503, title, detail)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def server_error(request):
    # Django calls this while handling the uncaught exception: a lost database is a 503, not a 500.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    if wants_json(request):
        return problem_response(status=500, code=ErrorCode.SERVER_ERROR, title=_("Server error."))
    return _error_page(
        request, 500, _("Something went wrong"), _("The error was recorded. Please try again in a moment.")
    )
