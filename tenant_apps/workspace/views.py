"""Pages of the store workspace shell: home, team, channels and store settings.

Thin views: they read through selectors, write through services, and leave the access rules to
``store_page`` (the user's ``StoreAccess``). Other modules appear in the navigation by
registering themselves (shared_apps.platform.navigation), never by being imported here.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.api_keys import api_key_create, api_key_get, api_key_list, api_key_revoke
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.accounts.views import forbidden_page, store_page
from shared_apps.platform.errors import DomainError
from shared_apps.platform.navigation import nav_for
from tenant_apps.workspace.models import StoreSettings
from tenant_apps.workspace.selectors import channel_list, letterhead_get, store_settings_get
from tenant_apps.workspace.services import LETTERHEAD_FIELDS, SETTINGS_FIELDS, letterhead_update, store_settings_update

NOTIFICATIONS_NAV_KEY = "notifications"


def _home_counters(request) -> dict:
    access = request.store_access
    nav = nav_for(request)
    notifications = next((item for item in nav if item.key == NOTIFICATIONS_NAV_KEY), None)
    return {
        "quick_links": [item for item in nav if item.key != "home"],
        "notifications_link": notifications,
        "unread_count": (notifications.badge or 0) if notifications else None,
        "channel_count": channel_list(active_only=True).count() if access.can("channels.view") else None,
        "member_count": member_list(store=request.tenant).filter(is_active=True).count()
        if access.can("members.view")
        else None,
    }


@store_page("store.view")
def home(request):
    return render(request, "workspace/home.html", _home_counters(request))


@store_page("store.view")
def home_counters(request):
    """The home page's stat cards and quick-link badges, redrawn by htmx every 30 s and after
    actions that change a counter (``crm-counters``), like the sidebar."""
    return render(request, "workspace/_home_counters.html", _home_counters(request))


@store_page("store.view")
def nav_partial(request):
    """The sidebar's entries with their badges (pending claims, approvals, the warehouse queue,
    unread notifications), redrawn by htmx every 30 s and after actions that change a counter;
    ``?path=`` is the page's own path, so that its entry stays lit."""
    path = request.GET.get("path", "")
    if path.startswith("/") and not path.startswith("//"):
        request.path = path
    return render(request, "partials/nav_list.html", {"is_store_host": True})


@store_page("members.view")
def members(request):
    memberships = member_list(store=request.tenant).select_related("supervisor")
    # A member who leaves (or has left) takes no customer along: the handover is offered here.
    can_hand_over = request.store_access.can("customers.transfer") and request.tenant.is_writable
    can_manage_keys = request.store_access.can("api_keys.manage")
    context = {
        "memberships": memberships,
        "can_hand_over": can_hand_over,
        "can_manage_keys": can_manage_keys,
        "can_manage_members": request.store_access.can("members.manage") and request.tenant.is_writable,
    }
    return render(request, "workspace/members.html", context)


@store_page("api_keys.manage")
def api_keys_page(request):
    """The store's API keys: a store admin makes one (its secret shown on this answer only) or revokes one."""
    new_key = None
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not request.tenant.is_writable:
            return forbidden_page(request, _("This store is read-only."))
        try:
            if "revoke" in request.POST:
                key = api_key_revoke(key=api_key_get(store=request.tenant, key_id=request.POST["revoke"]))
                messages.success(request, _("The API key %(name)s was revoked.") % {"name": key.name})
                return redirect("workspace:api_keys")
            _key, new_key = api_key_create(
                store=request.tenant,
                name=request.POST.get("name", ""),
                role=request.POST.get("role", ""),
                created_by=request.user,
            )
        except DomainError as exc:
            errors = exc.errors or {"__all__": [exc.detail]}
            status = 422
    context = {
        "keys": api_key_list(store=request.tenant),
        "roles": StoreRole.choices,
        "new_key": new_key,
        "errors": errors,
        "posted": request.POST if status == 422 else {},
    }
    return render(request, "workspace/api_keys.html", context, status=status)


@store_page("channels.view")
def channels(request):
    return render(request, "workspace/channels.html", {"channels": channel_list()})


class StoreSettingsForm(forms.ModelForm):
    """The store's policies as a form; ``store_settings_update`` applies the rules and saves."""

    class Meta:
        model = StoreSettings
        fields = SETTINGS_FIELDS
        help_texts = {
            "discount_threshold": gettext_lazy(
                "A quotation below this share of the list price (0.9 = 90 %) needs a supervisor's approval."
            ),
            "pool_grace_days": gettext_lazy(
                "Days a follow-up may be overdue before the customer returns to the shared pool."
            ),
            "pool_max_idle_days": gettext_lazy("Days without any follow-up before the customer returns to the pool."),
            "pool_return_visit_days": gettext_lazy("Days after a claim is approved to make the first return visit."),
            "pool_ownership_cap": gettext_lazy("The most customers one salesperson may own (0 = no limit)."),
            "pool_daily_claim_limit": gettext_lazy("The most claims one salesperson may file per day."),
            "pool_reclaim_cooldown_days": gettext_lazy(
                "Days before a former owner may claim a customer they lost again."
            ),
            "pool_release_warning_days": gettext_lazy("Days of warning before an automatic release."),
            "return_visit_window_days": gettext_lazy("Days within which a follow-up counts as a return visit."),
        }


def _can_edit_settings(request) -> bool:
    return request.store_access.can("settings.manage") and request.tenant.is_writable


@store_page("settings.view")
def store_settings(request):
    can_edit = _can_edit_settings(request)
    current = store_settings_get()
    status = 200
    saved = False
    if request.method == "POST":
        if not can_edit:
            return forbidden_page(request, _("Only a store admin can change the store settings."))
        # Only the values changed here become the store's own; the others keep following HQ.
        before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        reset = [name for name in request.POST.getlist("reset") if name in SETTINGS_FIELDS]
        form = StoreSettingsForm(request.POST, instance=current)
        if form.is_valid():
            try:
                current = store_settings_update(
                    reset=reset,
                    **{
                        name: form.cleaned_data[name]
                        for name in SETTINGS_FIELDS
                        if form.cleaned_data[name] != before[name] and name not in reset
                    },
                )
            except DomainError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.errors:
                    form.add_error(None, exc.detail)
            else:
                saved = True
                if not request.htmx:
                    messages.success(request, _("The store settings were saved."))
                    return redirect("workspace:settings")
                form = StoreSettingsForm(instance=current)
        if not saved:
            status = 422
    else:
        form = StoreSettingsForm(instance=current)
    context = {"form": form, "can_edit": can_edit, "saved": saved, "settings_row": current}
    template = "workspace/_settings_form.html" if request.htmx else "workspace/settings.html"
    return render(request, template, context, status=status)


class LetterheadForm(forms.ModelForm):
    class Meta:
        from tenant_apps.workspace.models import Letterhead

        model = Letterhead
        fields = [*LETTERHEAD_FIELDS, "logo"]
        widgets = {"terms": forms.Textarea(attrs={"rows": 4}), "logo": forms.FileInput(attrs={"accept": "image/*"})}
        help_texts = {
            "tax_note": gettext_lazy("For instance: prices include 13 % VAT."),
            "terms": gettext_lazy("Payment, delivery and validity terms printed above the stamp area."),
        }


@store_page("settings.view")
def letterhead_page(request):
    """The store's letterhead for its documents (the quotation PDF): store admins edit it."""
    can_edit = _can_edit_settings(request)
    current = letterhead_get()
    form = LetterheadForm(instance=current)
    status = 200
    if request.method == "POST":
        if not can_edit:
            return forbidden_page(request, _("Only a store admin can change the store settings."))
        form = LetterheadForm(request.POST, request.FILES, instance=letterhead_get())
        if form.is_valid():
            try:
                letterhead_update(
                    values={name: form.cleaned_data[name] for name in LETTERHEAD_FIELDS},
                    logo=request.FILES.get("logo"),
                    remove_logo=bool(request.POST.get("remove_logo")),
                )
            except DomainError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("The letterhead was saved."))
                return redirect("workspace:letterhead")
        status = 422
    context = {"form": form, "can_edit": can_edit, "letterhead": current}
    return render(request, "workspace/letterhead.html", context, status=status)
