"""The store admin's billing page: plan, state, seats, and the buttons to Stripe Checkout and the
Billing Portal."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.accounts.views import store_page
from shared_apps.billing import selectors, services
from shared_apps.billing.api import billing_page_url
from shared_apps.platform.errors import DomainError


@store_page("billing.manage")
def billing_page(request):
    context = selectors.billing_summary(request.tenant)
    context["checkout_outcome"] = request.GET.get("checkout", "")
    return render(request, "billing/billing.html", context)


@require_POST
@store_page("billing.manage")
def checkout(request):
    page = billing_page_url(request.tenant)
    try:
        url = services.checkout_start(
            store=request.tenant,
            user=request.user,
            plan_code=request.POST.get("plan", ""),
            success_url=page + "?checkout=success",
            cancel_url=page + "?checkout=cancelled",
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("billing:page")
    return redirect(url)


@require_POST
@store_page("billing.manage")
def portal(request):
    try:
        page = billing_page_url(request.tenant)
        url = services.portal_start(store=request.tenant, user=request.user, return_url=page)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("billing:page")
    return redirect(url)


# --- public host: the signup page -------------------------------------------------------------


class _ThrottleRequest:
    """What the signup API's throttles read of a request (``data`` and the Django request)."""

    def __init__(self, request) -> None:
        self._request = request
        self.data = request.POST
        self.META = request.META


def _throttled(request) -> float | None:
    """Seconds to wait when the signup API's throttles (per address, per email) refuse this page's
    request; None when it may go on. The page and the API share the counters."""
    from shared_apps.billing.api import SignupEmailThrottle, SignupIPThrottle

    shim = _ThrottleRequest(request)
    for throttle_class in (SignupIPThrottle, SignupEmailThrottle):
        throttle = throttle_class()
        if not throttle.allow_request(shim, None):
            return throttle.wait() or 1.0
    return None


@require_http_methods(["GET", "POST"])
def signup_page(request):
    """Sign up on the base host: the same service, rules and throttles as ``POST /api/v1/signup``;
    then the status page follows the provisioning until the store is ready."""
    from django.conf import settings
    from django.http import Http404

    from tenants.provisioning import CHANNEL_CODES, CHANNEL_LABELS

    if getattr(request, "tenant", None) is not None and request.tenant.schema_name != settings.PUBLIC_SCHEMA_NAME:
        raise Http404
    plans = list(selectors.plans_list())
    values = request.POST if request.method == "POST" else {"plan": plans[0].code if plans else "", "channel": "tmall"}
    errors: dict = {}
    error = ""
    status = 200
    if request.method == "POST":
        wait = _throttled(request)
        if wait is not None:
            error = _("Too many signups from here. Try again in %(minutes)d minutes.") % {
                "minutes": max(1, round(wait / 60))
            }
            status = 429
        else:
            try:
                account = services.signup(
                    company=request.POST.get("company", ""),
                    store_name=request.POST.get("store_name", ""),
                    subdomain=request.POST.get("subdomain", "").strip().lower(),
                    owner_email=request.POST.get("owner_email", ""),
                    owner_password=request.POST.get("owner_password", ""),
                    owner_name=request.POST.get("owner_name", ""),
                    plan=request.POST.get("plan", ""),
                    channels=[c for c in request.POST.getlist("channel") if c],
                    requester=request.user if request.user.is_authenticated else None,
                )
            except DomainError as exc:
                errors = exc.errors or {}
                error = exc.detail
                status = exc.status
            else:
                return redirect("signup-status", signup_id=account.pk)
    context = {
        "plans": [(plan.code, plan.label) for plan in plans],
        "channels": [(code, CHANNEL_LABELS[code]) for code in CHANNEL_CODES],
        "values": values,
        "errors": errors,
        "error": error,
        "base_domain": settings.BASE_DOMAIN,
    }
    return render(request, "billing/signup.html", context, status=status)


@require_GET
def signup_status_page(request, signup_id):
    """The provisioning of a signup, polled by htmx until the store is ready (then a link to sign
    in there). A held signup (an address that has an account) has no record: the page says only that
    an email tells how to go on, as the API's answer tells nothing more."""
    from shared_apps.platform.errors import NotFound

    try:
        status = selectors.signup_status(selectors.signup_get(signup_id=signup_id))
    except NotFound:
        status = None
    template = "billing/_signup_status.html" if request.htmx else "billing/signup_status.html"
    return render(request, template, {"status": status, "signup_id": signup_id})
