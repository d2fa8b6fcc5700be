"""Pages of the list component: the forms of the density switch, the column chooser and saved
views post here and go back to the list; and the global search page of the top bar."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError
from shared_apps.platform.listing import list_spec
from shared_apps.platform.money_display import money_full
from shared_apps.platform.phone_display import phone_display
from tenant_apps.lists import search, selectors, services


def _back(request, fallback: str):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def _error(request, exc: DomainError) -> None:
    details = [str(e) for errors in exc.errors.values() for e in errors]
    messages.error(request, " ".join([exc.detail, *details]))


@store_page("store.view")
@require_POST
def preferences(request, list_key: str):
    spec = list_spec(list_key)
    if spec is None:
        raise Http404
    data = {}
    if request.POST.get("set") == "columns":
        data["columns"] = request.POST.getlist("columns")
    if "density" in request.POST:
        data["density"] = request.POST["density"]
    try:
        services.preference_set(access=request.store_access, list_key=list_key, data=data)
    except DomainError as exc:
        _error(request, exc)
    return _back(request, spec.url_name)


@store_page("store.view")
@require_POST
def view_create(request, list_key: str):
    spec = list_spec(list_key)
    if spec is None:
        raise Http404
    params = dict(parse_qsl(request.POST.get("query", ""), keep_blank_values=False))
    ordering = params.pop("ordering", "")
    data = {
        "list": list_key,
        "name": request.POST.get("name", ""),
        "shared": request.POST.get("shared") == "true",
        "filters": {key: value for key, value in params.items() if key in spec.filter_keys},
        "columns": request.POST.getlist("columns"),
        "ordering": ordering if spec.valid_ordering(ordering) else "",
    }
    try:
        view = services.saved_view_create(access=request.store_access, data=data)
    except DomainError as exc:
        _error(request, exc)
        return redirect(spec.url_name)
    return redirect(f"{reverse(spec.url_name)}?{selectors.saved_view_query(view)}")


@store_page("store.view")
@require_POST
def view_delete(request, view_id: int):
    access = request.store_access
    try:
        view = selectors.saved_view_get_for_user(access=access, view_id=view_id)
    except DomainError:
        raise Http404 from None
    spec = list_spec(view.list_key)
    try:
        services.saved_view_delete(access=access, view=view)
    except DomainError as exc:
        _error(request, exc)
    return _back(request, spec.url_name if spec else "workspace:home")


@store_page("store.view")
@require_GET
def search_page(request):
    q = (request.GET.get("q") or request.GET.get("find") or "").strip()  # "find": the top bar's field
    results = search.global_search(access=request.store_access, q=q) if q else None
    return render(request, "lists/search.html", {"q": q, "results": results})


PICK_LIMIT = 20


@store_page("customers.view")
@require_GET
def pick_customers(request):
    """The remote picker's choices: visible customers by name, company, mobile or chat id."""
    from tenant_apps.customers.selectors import customer_list

    q = (request.GET.get("q") or "").strip()[:100]
    qs = customer_list(access=request.store_access, filters={"q": q, "ordering": "name"} if q else {"ordering": "name"})
    items = [
        {
            "id": c.pk,
            "label": c.name,
            "detail": " · ".join(p for p in (c.company, phone_display(c.mobile)) if p and p != "—"),
        }
        for c in qs[:PICK_LIMIT]
    ]
    return JsonResponse({"results": items})


@store_page("quotations.create")
@require_GET
def pick_products(request):
    """The remote picker's choices: active products by SKU, name or spec, with the list price."""
    from tenant_apps.sales.selectors import product_list

    q = (request.GET.get("q") or "").strip()[:100]
    qs = product_list(filters={"active": "true", "q": q})
    items = [
        {"id": p.pk, "label": f"{p.sku} {p.name}", "detail": money_full(p.list_price), "price": str(p.list_price)}
        for p in qs[:PICK_LIMIT]
    ]
    return JsonResponse({"results": items})
