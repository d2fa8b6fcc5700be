"""Lead pages: the list with filters (and the queue), a lead's page with its actions and history,
the form to take in a lead by hand, and the distribution rules page (store admins: first-response
time, caps, rules by channel, grade and region, who is on duty for round-robin). Reads through the
selectors (another salesperson's lead is a 404), writes through the services, whose errors are
shown on the page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, NotFound
from shared_apps.platform.listing import Column, ListSpec
from tenant_apps.leads import selectors, services
from tenant_apps.leads.models import Lead
from tenant_apps.lists.selectors import list_state
from tenant_apps.workspace.selectors import channel_list

PAGE_SIZE = 50
FILTERS = ("status", "owner", "channel", "q", "overdue")
LEAD_LIST = ListSpec(
    key="leads",
    url_name="leads:list",
    columns=(
        Column("name", gettext_lazy("Name"), sort="name", required=True),
        Column("channel", gettext_lazy("Channel")),
        Column("source", gettext_lazy("Source")),
        Column("received_at", gettext_lazy("Received at"), sort="received_at"),
        Column("status", gettext_lazy("Status")),
        Column("owner", gettext_lazy("Owner")),
        Column("respond_by", gettext_lazy("Respond by"), sort="respond_by"),
        Column("customer", gettext_lazy("Customer")),
    ),
    filter_keys=FILTERS,
    permission="leads.view",
)


def _error_text(exc: DomainError) -> str:
    return "; ".join(str(m) for messages_ in exc.errors.values() for m in messages_) or exc.detail


@store_page("leads.view")
def lead_list(request):
    access = request.store_access
    filters = {key: request.GET.get(key) for key in FILTERS if request.GET.get(key)}
    if LEAD_LIST.valid_ordering(request.GET.get("ordering", "")):  # another sort key is ignored
        filters["ordering"] = request.GET["ordering"]
    error = None
    try:
        qs = selectors.lead_list(access=access, filters=filters)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    except DomainError as exc:
        error = _error_text(exc)
        page = Paginator(Lead.objects.none(), PAGE_SIZE).get_page(1)
    context = {
        "list": list_state(access=access, spec=LEAD_LIST, params=request.GET),
        "page": page,
        "filters": filters,
        "error": error,
        "channels": channel_list(),
        "status_choices": Lead.Status.choices,
        "can_create": access.can("leads.create") and not access.read_only,
        "can_assign": access.can("leads.assign"),
        "can_manage_rules": access.can("leads.rules.manage"),
    }
    template = "leads/_table.html" if request.htmx else "leads/list.html"
    return render(request, template, context, status=400 if error else 200)


@store_page("leads.create")
def lead_create(request):
    values = {}
    error = None
    errors: dict = {}
    if request.method == "POST" and request.tenant.is_writable:
        values = {key: request.POST.get(key, "") for key in services.LEAD_FIELDS if request.POST.get(key, "") != ""}
        try:
            lead = services.lead_create(data=values, access=request.store_access)
        except DomainError as exc:
            error, errors = exc.detail, exc.errors
        else:
            messages.success(request, _("The lead was taken in."))
            try:
                selectors.lead_get_for_user(lead_id=lead.pk, access=request.store_access)
            except NotFound:
                return redirect("leads:list")
            return redirect("leads:detail", lead_id=lead.pk)
    context = {"values": values, "error": error, "errors": errors, "channels": channel_list(active_only=True)}
    return render(request, "leads/create.html", context, status=400 if error else 200)


@store_page("leads.view")
def lead_detail(request, lead_id: int):
    access = request.store_access
    try:
        lead = selectors.lead_get_for_user(lead_id=lead_id, access=access)
    except NotFound:
        raise Http404 from None
    error = None
    if request.method == "POST" and request.tenant.is_writable:
        action = request.POST.get("action")
        try:
            if action == "contact":
                services.lead_contact(lead_id=lead.pk, access=access)
            elif action == "convert":
                services.lead_convert(lead_id=lead.pk, access=access)
            elif action == "lose":
                services.lead_lose(lead_id=lead.pk, access=access, reason=request.POST.get("reason"))
            elif action == "assign":
                owner = request.POST.get("owner") or None
                services.lead_assign(lead_id=lead.pk, owner=owner, access=access)
            else:
                raise NotFound(_("Unknown action."))
        except DomainError as exc:
            error = _error_text(exc)
        else:
            try:
                selectors.lead_get_for_user(lead_id=lead.pk, access=access)
            except NotFound:
                return redirect("leads:list")
            return redirect("leads:detail", lead_id=lead.pk)
    context = {
        "lead": lead,
        "assignments": selectors.lead_assignments(lead=lead),
        "error": error,
        "can_work": access.can("leads.work") and not access.read_only,
        "can_assign": access.can("leads.assign") and not access.read_only,
        "owners": [m.user for m in services.owner_members().values()] if access.can("leads.assign") else [],
    }
    return render(request, "leads/detail.html", context, status=400 if error else 200)


RULE_FIELDS = ("name", "priority", "channel", "grade", "province")


def _int_or_text(value: str):
    value = (value or "").strip()
    return int(value) if value.isdigit() else value


@store_page("leads.rules.manage")
def distribution_rules(request):
    """The store's distribution settings, rules and round-robin duty on one page; each form posts
    its ``action`` and is written by the services (their errors shown with the form)."""
    access = request.store_access
    error, errors, rule_values = None, {}, {}
    if request.method == "POST" and request.tenant.is_writable:
        action = request.POST.get("action")
        try:
            if action == "settings":
                services.lead_settings_update(
                    access=access,
                    data={
                        "first_response_minutes": _int_or_text(request.POST.get("first_response_minutes")),
                        "open_lead_cap": _int_or_text(request.POST.get("open_lead_cap")),
                        "enquiries_from_leads": request.POST.get("enquiries_from_leads") == "on",
                    },
                )
                messages.success(request, _("The distribution settings were saved."))
            elif action == "add_rule":
                rule_values = {key: request.POST.get(key, "").strip() for key in RULE_FIELDS}
                data = {key: value for key, value in rule_values.items() if value != ""}
                data["priority"] = _int_or_text(data.get("priority", "100"))
                data["members"] = [_int_or_text(v) for v in request.POST.getlist("members")]
                services.rule_create(access=access, data=data)
                rule_values = {}
                messages.success(request, _("The rule was added."))
            elif action == "delete_rule":
                services.rule_delete(access=access, rule_id=request.POST.get("rule"))
                messages.success(request, _("The rule was deleted."))
            elif action == "duty":
                services.agent_set_duty(
                    access=access, user_id=request.POST.get("user"), on_duty=request.POST.get("on_duty") == "true"
                )
                messages.success(request, _("Duty was changed."))
            else:
                raise NotFound(_("Unknown action."))
        except DomainError as exc:
            error, errors = exc.detail, exc.errors
        else:
            return redirect("leads:rules")
    members = services.owner_members()
    duty = {agent.user_id: agent.on_duty for agent in selectors.agent_list()}
    names = {user_id: m.user.display_name for user_id, m in members.items()}
    rules = [
        {"rule": rule, "members": [names.get(user_id, f"#{user_id}") for user_id in rule.members]}
        for rule in selectors.rule_list()
    ]
    context = {
        "settings": selectors.lead_settings_get(),
        "rules": rules,
        "agents": [
            {"user": m.user, "role": m.get_role_display(), "on_duty": duty.get(user_id, True)}
            for user_id, m in sorted(members.items(), key=lambda item: names[item[0]])
        ],
        "channels": channel_list(active_only=True),
        "error": error,
        "errors": errors,
        "rule_values": rule_values,
        "grades": "ABCD",
    }
    return render(request, "leads/rules.html", context, status=400 if error else 200)
