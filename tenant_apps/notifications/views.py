"""Pages: the signed-in user's notifications, with mark-read buttons (htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.notifications import kinds, selectors, services

PAGE_SIZE = 30


def _check_access(request) -> None:
    access = getattr(request, "store_access", None)
    if access is None:
        raise Http404
    if not access.can("notifications.view"):
        raise PermissionDenied


def _list_context(request) -> dict:
    unread_only = request.GET.get("unread") in ("1", "true")
    page = Paginator(selectors.notifications_for(user=request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "page_obj": page,
        "notifications": page.object_list,
        "unread_only": unread_only,
        "unread_count": selectors.unread_count(user=request.user),
    }


@login_required
@require_GET
def notification_list(request):
    _check_access(request)
    return render(request, "notifications/list.html", _list_context(request))


@login_required
@require_POST
def mark_read(request):
    """Mark one notification read (``id``) or all of them (no ``id``); htmx gets the list back."""
    _check_access(request)
    raw = request.POST.get("id")
    if raw is None or raw == "":
        services.mark_read(user=request.user)
    elif raw.isdigit():
        services.mark_read(user=request.user, ids=[int(raw)])
    # A malformed id marks nothing: the list is shown again as it is.
    if request.htmx:
        return render(request, "notifications/_list.html", _list_context(request))
    return redirect("notifications:list")


@login_required
def preferences(request):
    """Your notification preferences in this store: email per kind, SMS number and opt-out."""
    _check_access(request)
    errors: dict = {}
    saved = False
    if request.method == "POST":
        access = request.store_access
        if access.via_hq:
            raise PermissionDenied
        chosen = set(request.POST.getlist("email"))
        try:
            services.preferences_update(
                user=request.user,
                email={kind.key: kind.key in chosen for kind in kinds.KINDS},
                mobile=request.POST.get("mobile", ""),
                sms_opt_out=request.POST.get("sms_opt_out") == "1",
            )
            saved = True
        except ValidationFailed as exc:
            errors = exc.errors or {"": [str(exc)]}
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(
        request,
        "notifications/preferences.html",
        {"preferences": services.preferences_get(user=request.user), "saved": saved, "errors": errors},
        status=400 if errors else 200,
    )
