"""Pages: the signed-in user's notifications, with mark-read buttons (htmx), the preferences, and
the store's SMS templates and signature (store admins, ``/settings/sms/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shared_apps.accounts.views import forbidden_page, store_page
from shared_apps.platform.errors import DomainError, NotFound, ValidationFailed
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
    page = Paginator(
        selectors.notifications_for(access=request.store_access, unread_only=unread_only), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "notifications": page.object_list,
        "unread_only": unread_only,
        "unread_count": selectors.unread_count(access=request.store_access),
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
        services.mark_read(access=request.store_access)
    elif raw.isdigit():
        services.mark_read(access=request.store_access, ids=[int(raw)])
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
                access=access,
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
        {"preferences": services.preferences_get(access=request.store_access), "saved": saved, "errors": errors},
        status=400 if errors else 200,
    )


# --- SMS templates (store admins) -----------------------------------------------------------------


def _posted_template(post) -> dict:
    return {
        "code": post.get("code", ""),
        "name": post.get("name", ""),
        "provider_template_code": post.get("provider_template_code", ""),
        "body": post.get("body", ""),
        "enabled": post.get("enabled") == "1",
    }


def _split_errors(exc: DomainError) -> tuple[dict, list]:
    """Errors of the form's fields (shown next to them) and the others (shown above the form)."""
    fields = {key: lines for key, lines in exc.errors.items() if key in services.SMS_TEMPLATE_FIELDS}
    general = [line for key, lines in exc.errors.items() if key not in fields for line in lines]
    if not exc.errors:
        general = [exc.detail]
    return fields, general


def _sms_context(request, **extra) -> dict:
    return {
        "templates": selectors.sms_template_list(),
        "signature": services.sms_settings_get().signature,
        "placeholders": services.SMS_PLACEHOLDERS,
        "known_codes": sorted(services.DEFAULT_SMS_TEMPLATES),
        "errors": {},
        "posted": {"enabled": True},
        "signature_errors": [],
        "general_errors": [],
        **extra,
    }


@store_page("settings.manage")
def sms_templates_page(request):
    """The store's SMS signature and templates: add, switch on and off, delete (htmx swaps the block)."""
    extra: dict = {}
    status = 200
    if request.method == "POST":
        if not request.tenant.is_writable:
            return forbidden_page(request, _("This store is read-only."))
        action = request.POST.get("action", "add")
        try:
            if action == "signature":
                services.sms_settings_update(signature=request.POST.get("signature", ""))
                done = _("The SMS signature was saved.")
            elif action in ("enable", "disable"):
                services.sms_template_update(
                    access=request.store_access,
                    template_id=request.POST.get("template"),
                    data={"enabled": action == "enable"},
                )
                done = (
                    _("The SMS template was switched on.")
                    if action == "enable"
                    else _("The SMS template was switched off.")
                )
            elif action == "delete":
                services.sms_template_delete(access=request.store_access, template_id=request.POST.get("template"))
                done = _("The SMS template was deleted.")
            elif action == "add":
                services.sms_template_create(access=request.store_access, data=_posted_template(request.POST))
                done = _("The SMS template was added.")
            else:
                raise ValidationFailed(_("Unknown action."))
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            status = 422
            if action == "signature":
                extra["signature_errors"] = [e for lines in exc.errors.values() for e in lines] or [exc.detail]
                extra["posted_signature"] = request.POST.get("signature", "")
            elif action == "add":
                extra["errors"], extra["general_errors"] = _split_errors(exc)
                extra["posted"] = _posted_template(request.POST)
            else:
                extra["general_errors"] = [exc.detail, *[e for lines in exc.errors.values() for e in lines]]
        else:
            if not request.htmx:
                messages.success(request, done)
                return redirect("sms:templates")
            extra["done"] = done
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    template = "notifications/_sms_templates.html" if request.htmx else "notifications/sms_templates.html"
    return render(request, template, _sms_context(request, **extra), status=status)


@store_page("settings.manage")
def sms_template_page(request, template_id: int):
    """One SMS template's form: change it, or go back to the list."""
    try:
        row = selectors.sms_template_get(template_id=template_id)
    except NotFound:
        raise Http404 from None
    errors: dict = {}
    general_errors: list = []
    posted = {key: getattr(row, key) for key in services.SMS_TEMPLATE_FIELDS}
    status = 200
    if request.method == "POST":
        if not request.tenant.is_writable:
            return forbidden_page(request, _("This store is read-only."))
        posted = _posted_template(request.POST)
        try:
            services.sms_template_update(access=request.store_access, template_id=row.pk, data=posted)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            errors, general_errors = _split_errors(exc)
            status = 422
        else:
            messages.success(request, _("The SMS template was saved."))
            return redirect("sms:templates")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        "template_row": row,
        "posted": posted,
        "errors": errors,
        "general_errors": general_errors,
        "placeholders": services.SMS_PLACEHOLDERS,
        "known_codes": sorted(services.DEFAULT_SMS_TEMPLATES),
    }
    return render(request, "notifications/sms_template.html", context, status=status)
