"""Pages of webhooks (store admins): the endpoints (create, with the secret shown once), one
endpoint (edit, switch on/off, delete, send a test event) and its delivery log with redelivery."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shared_apps.accounts.views import forbidden_page, store_page
from shared_apps.platform.errors import DomainError, NotFound
from tenant_apps.outbox.events import EVENT_TYPES
from tenant_apps.webhooks import selectors, services
from tenant_apps.webhooks.models import Delivery


def _event_choices() -> list[tuple[str, str]]:
    return [(name, str(EVENT_TYPES[name])) for name in services.subscribable_types()]


def _posted_endpoint(post) -> dict:
    events = post.getlist("events")
    return {
        "url": post.get("url", ""),
        "events": ["*"] if post.get("all_events") else events,
        "description": post.get("description", ""),
    }


@store_page("webhooks.manage")
def endpoints_page(request):
    new_endpoint = None
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not request.tenant.is_writable:
            return forbidden_page(request, _("This store is read-only."))
        try:
            new_endpoint = services.endpoint_create(data=_posted_endpoint(request.POST), access=request.store_access)
        except DomainError as exc:
            errors = exc.errors or {"__all__": [exc.detail]}
            status = 422
    context = {
        "endpoints": selectors.endpoint_list(),
        "event_choices": _event_choices(),
        "new_endpoint": new_endpoint,
        "errors": errors,
        "posted": request.POST if status == 422 else {},
        "posted_events": request.POST.getlist("events") if status == 422 else [],
    }
    return render(request, "webhooks/endpoints.html", context, status=status)


@store_page("webhooks.manage")
def endpoint_page(request, endpoint_id: int):
    try:
        endpoint = services.endpoint_get(endpoint_id=endpoint_id)
    except NotFound:
        raise Http404 from None
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not request.tenant.is_writable:
            return forbidden_page(request, _("This store is read-only."))
        action = request.POST.get("action", "")
        try:
            if action == "test":
                services.send_test(endpoint_id=endpoint.pk, access=request.store_access)
                messages.success(request, _("A test event is on its way."))
            elif action == "redeliver":
                services.redeliver(endpoint_id=endpoint.pk, delivery_id=request.POST.get("delivery"))
                messages.success(request, _("The event will be delivered again."))
            elif action == "delete":
                services.endpoint_delete(endpoint_id=endpoint.pk)
                messages.success(request, _("The webhook endpoint was deleted."))
                return redirect("webhooks:endpoints")
            elif action in ("enable", "disable"):
                services.endpoint_update(endpoint_id=endpoint.pk, data={"active": action == "enable"})
            else:
                services.endpoint_update(endpoint_id=endpoint.pk, data=_posted_endpoint(request.POST))
                messages.success(request, _("The webhook endpoint was saved."))
            return redirect("webhooks:endpoint", endpoint_id=endpoint.pk)
        except DomainError as exc:
            errors = exc.errors or {"__all__": [exc.detail]}
            status = 422
    wanted = request.GET.get("status", "")
    deliveries = selectors.delivery_list(endpoint=endpoint)
    if wanted in Delivery.Status.values:
        deliveries = deliveries.filter(status=wanted)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "event_choices": _event_choices(),
        "page": page,
        "statuses": Delivery.Status.choices,
        "wanted": wanted,
        "all_events": "*" in endpoint.events,
        "errors": errors,
    }
    return render(request, "webhooks/endpoint.html", context, status=status)
