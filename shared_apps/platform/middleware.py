"""Request guards that hold for every host and every view."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from shared_apps.platform.errors import ErrorCode
from shared_apps.platform.problems import problem_response, wants_json


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
