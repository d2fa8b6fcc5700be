"""Pages: the store's rules with the ready-made ones to switch on and tune, and each rule's run log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, NotFound
from tenant_apps.automation import selectors, services, templates
from tenant_apps.automation.api import template_rows

RUNS_PAGE_SIZE = 50


def _can_manage(request) -> bool:
    access = request.store_access
    return access.can("automation.manage") and not access.via_hq


def _error_text(exc: DomainError) -> str:
    details = [f"{field}: {' '.join(map(str, texts))}" for field, texts in (exc.errors or {}).items()]
    return " ".join([str(exc), *details])


@require_GET
@store_page("automation.view")
def rules(request):
    services.inherit_hq_rules()
    by_template = selectors.template_rules()
    rows = []
    for row in template_rows():
        rule = by_template.get(row["key"])
        values = {**templates.get(row["key"]).defaults(), **(rule.params if rule else {})}
        row["fields"] = [{**param, "value": values.get(param["name"])} for param in row["params"]]
        row["rule_obj"] = rule
        rows.append(row)
    return render(
        request,
        "automation/rules.html",
        {
            "templates": rows,
            "custom_rules": selectors.rule_list().filter(template=""),
            "can_manage": _can_manage(request),
        },
    )


@require_POST
@store_page("automation.manage")
def template_save(request, key: str):
    """Switch a ready-made rule on (or off) and set its parameters."""
    if not _can_manage(request):
        raise PermissionDenied
    template = templates.get(key)
    if template is None:
        raise Http404
    params = {param.name: request.POST.get(param.name, "") for param in template.params if param.name in request.POST}
    active = request.POST.get("active") == "1"
    rule = selectors.template_rules().get(key)
    access = request.store_access
    try:
        if rule is None:
            services.rule_create(data={"template": key, "params": params, "active": active}, access=access)
        else:
            services.rule_update(rule=rule, data={"params": params, "active": active}, access=access)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("automation:rules")


@require_POST
@store_page("automation.manage")
def rule_toggle(request, rule_id: int):
    if not _can_manage(request):
        raise PermissionDenied
    try:
        rule = selectors.rule_get(rule_id=rule_id)
    except NotFound:
        raise Http404 from None
    try:
        services.rule_update(rule=rule, data={"active": not rule.active}, access=request.store_access)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("automation:rules")


@require_GET
@store_page("automation.view")
def rule_runs(request, rule_id: int):
    try:
        rule = selectors.rule_get(rule_id=rule_id)
    except NotFound:
        raise Http404 from None
    page = Paginator(selectors.run_list(rule=rule), RUNS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "automation/runs.html", {"rule": rule, "page_obj": page, "runs": page.object_list})
