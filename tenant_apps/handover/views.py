"""Handover pages: the form (offered from the team page for a member who leaves) and a
handover's page, which follows its progress until it is done."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shared_apps.accounts.selectors import member_list
from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, NotFound, ValidationFailed
from tenant_apps.customers.selectors import owned_customer_count
from tenant_apps.handover import selectors, services


@store_page("customers.transfer")
def handover_new(request):
    access = request.store_access
    members = [m for m in member_list(store=request.tenant) if m.role in services.OWNER_ROLES]
    values = request.POST if request.method == "POST" else request.GET
    error = None
    errors: dict = {}
    if request.method == "POST" and request.tenant.is_writable:
        data = {
            "from_owner": values.get("from_owner") or None,
            "to_owner": values.get("to_owner") or None,
            "reason": values.get("reason", ""),
        }
        try:
            handover = services.handover_start(access=access, data=data)
        except DomainError as exc:
            error, errors = exc.detail, exc.errors
        else:
            return redirect("handover:detail", handover_id=handover.pk)
    from_owner = values.get("from_owner")
    owned = owned_customer_count(owner_id=int(from_owner)) if str(from_owner or "").isdigit() else None
    context = {
        "givers": members,
        "takers": [m for m in members if m.is_active and m.user.is_active],
        "values": values,
        "owned": owned,
        "error": error,
        "errors": errors,
    }
    return render(request, "handover/new.html", context, status=400 if error else 200)


@store_page("customers.transfer")
def handover_detail(request, handover_id: int):
    try:
        handover = selectors.handover_get_for_user(handover_id=handover_id, access=request.store_access)
    except NotFound:
        raise Http404 from None
    template = "handover/_status.html" if request.htmx else "handover/detail.html"
    return render(request, template, {"handover": handover})


def customers_transfer(*, access, ids: list[int], to_owner: str) -> int:
    """The customer list's bulk "transfer": a handover of the selected customers to ``to_owner``."""
    if not to_owner.isdigit():
        raise ValidationFailed(_("Choose the person taking over."), errors={"to_owner": [_("This field is required.")]})
    handover = services.handover_start(access=access, data={"customers": ids, "to_owner": int(to_owner)})
    return handover.customers
