from django.db import connection
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


def server_error(request):
    if wants_json(request):
        return problem_response(status=500, code=ErrorCode.SERVER_ERROR, title=_("Server error."))
    return HttpResponse(_("Server error."), status=500)
