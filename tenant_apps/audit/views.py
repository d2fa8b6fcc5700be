"""Pages for store admins: the action log and the sign-ins, with filters."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.audit import filters, selectors

PAGE_SIZE = 50


def _check_access(request) -> None:
    access = getattr(request, "store_access", None)
    if access is None:
        raise Http404
    if not access.can("audit.view"):
        raise PermissionDenied


def filtered_page(request, names, parse, query) -> dict:
    """The context of a filtered, paginated log page (bad filters shown on the form, all rows listed)."""
    values = {name: request.GET.get(name, "") for name in names}
    errors: dict = {}
    try:
        rows = query(**parse(request.GET))
    except ValidationFailed as exc:
        errors = exc.errors
        rows = query()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    return {"page_obj": page, "rows": page.object_list, "values": values, "errors": errors, "query": kept.urlencode()}


@login_required
@require_GET
def entry_list(request):
    _check_access(request)
    context = filtered_page(request, filters.ENTRY_FILTERS, filters.entry_filters, selectors.entries)
    context["object_types"] = selectors.object_types()
    return render(request, "audit/list.html", context)


@login_required
@require_GET
def sign_in_list(request):
    _check_access(request)
    context = filtered_page(request, filters.SIGN_IN_FILTERS, filters.sign_in_filters, selectors.sign_ins)
    context["action_log_url"] = reverse("audit:list")
    return render(request, "audit/sign_ins.html", context)
