"""The store admin's billing page: plan, state, seats, and the buttons to Stripe Checkout and the
Billing Portal."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

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
