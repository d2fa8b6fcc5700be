"""Pages of enquiry statistics: the statistics over a range, the daily entry grid (store admins)
and "my contacts" with WeChat screenshots (salespeople). Reads through selectors and
``tenant_apps.kanban.reporting``, writes through services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreRole
from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, NotFound
from shared_apps.reporting.catalogue import ENQUIRY
from shared_apps.reporting.display import figure_cards
from shared_apps.reporting.periods import resolve_period
from tenant_apps.enquiries import files, selectors, services
from tenant_apps.enquiries.sources import figures_are_derived
from tenant_apps.kanban.reporting import enquiry_stats_body
from tenant_apps.workspace.selectors import channel_list
from tenants.storetime import store_zone


def _today() -> date:
    return timezone.now().astimezone(store_zone()).date()


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@store_page("enquiries.view")
def stats(request):
    access = request.store_access
    params = request.GET
    error = None
    channel_id = _int_or_none(params.get("channel"))
    salesperson_id = _int_or_none(params.get("salesperson"))
    if access.role == StoreRole.SALESPERSON:
        salesperson_id = access.user.pk
    try:
        period = resolve_period(range=params.get("range") or "30d", start=params.get("start"), end=params.get("end"))
    except DomainError as exc:
        error = (exc.errors and next(iter(exc.errors.values()))[0]) or exc.detail
        period = resolve_period(range="30d")
    body = enquiry_stats_body(period=period, channel_id=channel_id, salesperson_id=salesperson_id)
    channels = list(channel_list())
    labels = {channel.pk: channel.label for channel in channels}
    for row in body["channels"]:
        row["name"] = labels.get(row["channel"], row["name"])
    context = {
        "body": body,
        "rates": figure_cards(ENQUIRY, body["metrics"]),
        "error": error,
        "channels": channels,
        "query": params,
        "own_only": access.role == StoreRole.SALESPERSON,
        "can_manage_daily": access.can("enquiries.daily.manage"),
        "can_record_contacts": access.can("enquiries.contacts.create"),
    }
    return render(request, "enquiries/stats.html", context)


@store_page("enquiries.daily.manage")
def daily(request):
    day_value = request.POST.get("date") or request.GET.get("date") or _today().isoformat()
    channels = list(channel_list())
    errors: dict = {}
    if request.method == "POST" and request.tenant.is_writable:
        try:
            with transaction.atomic():
                for channel in channels:
                    total = request.POST.get(f"enquiries_{channel.pk}", "")
                    new = request.POST.get(f"new_enquiries_{channel.pk}", "")
                    if total == "" and new == "":
                        continue
                    try:
                        services.daily_enquiry_record(
                            day=day_value,
                            channel=channel.pk,
                            enquiries=total or 0,
                            new_enquiries=new or 0,
                            access=request.store_access,
                        )
                    except DomainError as exc:
                        errors[channel.pk] = "; ".join(e for msgs in exc.errors.values() for e in msgs) or exc.detail
                if errors:
                    raise DomainError(_("Nothing was saved."))
        except DomainError:
            messages.error(request, _("Nothing was saved: correct the rows marked below."))
        else:
            messages.success(request, _("The enquiries of %(date)s were saved.") % {"date": day_value})
            return redirect(f"{request.path}?date={day_value}")
    existing = {r.channel_id: r for r in selectors.daily_enquiry_list(filters={"start": day_value, "end": day_value})}
    rows = [
        {
            "channel": channel,
            "record": existing.get(channel.pk),
            "error": errors.get(channel.pk),
            "enquiries": request.POST.get(f"enquiries_{channel.pk}") if errors else None,
            "new_enquiries": request.POST.get(f"new_enquiries_{channel.pk}") if errors else None,
        }
        for channel in channels
    ]
    recent = selectors.daily_enquiry_list()[:60]
    context = {"rows": rows, "day": day_value, "recent": recent, "from_leads": figures_are_derived()}
    return render(request, "enquiries/daily.html", context)


@store_page("enquiries.contacts.create")
def contacts(request):
    access = request.store_access
    error = None
    if request.method == "POST" and request.tenant.is_writable:
        try:
            services.contact_record(
                access=access,
                day=request.POST.get("date"),
                wechat_added=request.POST.get("wechat_added"),
                phone_contacts=request.POST.get("phone_contacts"),
                screenshots=request.FILES.getlist("screenshots"),
            )
        except DomainError as exc:
            error = "; ".join(e for msgs in exc.errors.values() for e in msgs) or exc.detail
        else:
            messages.success(request, _("Your contacts were saved."))
            return redirect(request.path)
    mine = selectors.contact_list(access=access, filters={"user": request.user.pk})[:60]
    context = {"records": mine, "today": _today().isoformat(), "error": error, "post": request.POST}
    return render(request, "enquiries/contacts.html", context, status=400 if error else 200)


@store_page("enquiries.view")
def screenshot(request, screenshot_id: int):
    try:
        shot = selectors.screenshot_get_for_user(screenshot_id=screenshot_id, access=request.store_access)
        return files.file_response(shot)
    except NotFound:
        raise Http404 from None
