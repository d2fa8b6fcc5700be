"""Pages of after-sales: the list (filters by time, status, type), a case with the actions the
caller's role allows and its timeline, and the application form opened from an order.

Thin views: reads through selectors, writes through services; a refused step is shown on the page
it came from (the same message as the API's problem detail).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shared_apps.accounts.views import store_page
from shared_apps.platform.dates import DayField
from shared_apps.platform.errors import DomainError, NotFound, ValidationFailed
from shared_apps.platform.listing import Column, ListSpec, register_list
from tenant_apps.aftersales import rules, selectors, services
from tenant_apps.aftersales.inputs import (
    CaseCommentSerializer,
    CaseCreateSerializer,
    CaseProcessSerializer,
    CaseRejectSerializer,
)
from tenant_apps.aftersales.models import Case
from tenant_apps.lists.selectors import list_state
from tenant_apps.sales.selectors import order_get_for_user

PER_PAGE = 50


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select", "data-autosubmit": "", **attrs})


CASE_LIST = register_list(
    ListSpec(
        key="aftersales",
        url_name="aftersales:list",
        columns=(
            Column("case", gettext_lazy("Case"), required=True),
            Column("order", gettext_lazy("Order")),
            Column("customer", gettext_lazy("Customer")),
            Column("type", gettext_lazy("Type")),
            Column("status", gettext_lazy("Status"), sort="status"),
            Column("amount", gettext_lazy("Amount"), sort="amount", numeric=True),
            Column("applicant", gettext_lazy("Applicant")),
            Column("applied", gettext_lazy("Applied"), sort="created_at"),
            Column("completed", gettext_lazy("Completed"), sort="completed_at", default=False),
        ),
        filter_keys=("q", "status", "type"),
        permission="aftersales.view",
    )
)


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=64)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *Case.Status.choices],
        widget=_select(),
    )
    type = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("All types")), *Case.Type.choices],
        widget=_select(),
    )
    created_from = DayField(
        label=gettext_lazy("Applied from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = DayField(
        label=gettext_lazy("Applied until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("q", "created_from", "created_to"):
            self.fields[name].widget.attrs["class"] = "form-control"


def _case_or_404(case_id, access) -> Case:
    try:
        return selectors.case_get_for_user(case_id=case_id, access=access)
    except NotFound:
        raise Http404 from None


def _filters(form: CaseFilterForm) -> dict[str, str]:
    if not form.is_valid():
        return {}
    return {key: str(value) for key, value in form.cleaned_data.items() if value not in (None, "")}


@store_page("aftersales.view")
def case_list(request):
    access = request.store_access
    form = CaseFilterForm(request.GET or None)
    filters = _filters(form)
    if CASE_LIST.valid_ordering(request.GET.get("ordering", "")):  # another sort key is ignored
        filters["ordering"] = request.GET["ordering"]
    try:
        cases = selectors.case_list(access=access, filters=filters)
    except ValidationFailed:
        cases = selectors.case_list(access=access, filters={})
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "list": list_state(access=access, spec=CASE_LIST, params=request.GET),
        "form": form,
        "page": page,
        "cases": page.object_list,
        "filter_query": query.urlencode(),
        "is_filtered": bool(filters),
        "to_decide": selectors.pending_approval_count(access=access),
    }
    if request.htmx and request.htmx.target == "case-table":
        return render(request, "aftersales/_case_table.html", context)
    return render(request, "aftersales/list.html", context)


class RejectForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def _detail_context(request, case: Case, *, error: str = "") -> dict:
    access = request.store_access
    writable = request.tenant.is_writable
    return {
        "case": case,
        "events": list(selectors.case_events(case=case)),
        "actions": rules.allowed_actions(case, access) if writable else [],
        "refund_methods": [(m, m) for m in services.REFUND_METHODS],
        "error": error,
    }


@store_page("aftersales.view")
def case_detail(request, case_id: int):
    case = _case_or_404(case_id, request.store_access)
    return render(request, "aftersales/detail.html", _detail_context(request, case))


STEP_SERVICES = {
    rules.APPROVE: lambda case, access, data: services.case_approve(
        access=access, case_id=case.pk, **CaseCommentSerializer.read(data)
    ),
    rules.REJECT: lambda case, access, data: services.case_reject(
        access=access, case_id=case.pk, **CaseRejectSerializer.read(data)
    ),
    rules.PROCESS: lambda case, access, data: services.case_process(
        access=access, case_id=case.pk, **CaseProcessSerializer.read(data)
    ),
    rules.RETURN_RECEIVED: lambda case, access, data: services.case_return_received(access=access, case_id=case.pk),
    rules.COMPLETE: lambda case, access, data: services.case_complete(access=access, case_id=case.pk),
    rules.CANCEL: lambda case, access, data: services.case_cancel(access=access, case_id=case.pk),
}
STEP_DONE = {
    rules.APPROVE: gettext_lazy("The case was approved."),
    rules.REJECT: gettext_lazy("The case was rejected."),
    rules.PROCESS: gettext_lazy("Processing started."),
    rules.RETURN_RECEIVED: gettext_lazy("The returned goods were recorded."),
    rules.COMPLETE: gettext_lazy("The case was completed."),
    rules.CANCEL: gettext_lazy("The case was cancelled."),
}


@require_POST
@store_page("aftersales.view")
def case_step(request, case_id: int, step: str):
    """One step of a case (approve, reject, process, return received, complete, cancel)."""
    if step not in STEP_SERVICES:
        raise Http404
    access = request.store_access
    case = _case_or_404(case_id, access)
    error = ""
    try:
        STEP_SERVICES[step](case, access, request.POST)
    except DomainError as exc:
        error = exc.detail
        if exc.errors:
            error = " ".join([exc.detail, *[e for errors in exc.errors.values() for e in errors if e != exc.detail]])
    case = _case_or_404(case.pk, access)
    if request.htmx:
        status = 422 if error else 200
        return render(request, "aftersales/_case_body.html", _detail_context(request, case, error=error), status=status)
    (messages.error if error else messages.success)(request, error or str(STEP_DONE[step]))
    return redirect("aftersales:detail", case_id=case.pk)


# --- the application form -------------------------------------------------------------------------


class ApplyForm(forms.Form):
    type = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=Case.Type.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    amount = forms.CharField(
        label=gettext_lazy("Refund amount"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("For a return and refund or a refund only; leave empty for an exchange or a reissue."),
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    reissue_invoice = forms.BooleanField(
        label=gettext_lazy("The invoice must be re-issued"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


def _lines_with_left(order) -> list[dict]:
    taken = services.units_taken(order_id=order.pk)
    return [
        {"line": line, "left": max(line.quantity - taken.get(line.pk, 0), 0)}
        for line in order.lines.all().order_by("position", "id")
    ]


@store_page("aftersales.create")
def case_apply(request, order_id: int):
    access = request.store_access
    try:
        order = order_get_for_user(order_id=order_id, access=access)
    except NotFound:
        raise Http404 from None
    form = ApplyForm(request.POST or None)
    lines = _lines_with_left(order)
    quantities: dict[int, str] = {}
    error = ""
    if request.method == "POST":
        quantities = {row["line"].pk: request.POST.get(f"qty_{row['line'].pk}", "").strip() for row in lines}
        if form.is_valid():
            items = [
                {"order_line": pk, "quantity": value} for pk, value in quantities.items() if value not in ("", "0")
            ]
            try:
                values = CaseCreateSerializer.read(
                    {
                        **form.cleaned_data,
                        "order": order.pk,
                        "amount": form.cleaned_data["amount"] or None,
                        "items": items,
                    }
                )
                case = services.case_apply(access=access, **values)
            except DomainError as exc:
                error = exc.detail
                for field, messages_ in exc.errors.items():
                    if field in form.fields:
                        for message in messages_:
                            form.add_error(field, message)
                    elif field.startswith("items"):
                        error = " ".join(messages_)
            else:
                messages.success(request, _("Your application was filed. A supervisor will decide on it."))
                return redirect("aftersales:detail", case_id=case.pk)
    for row in lines:
        row["value"] = quantities.get(row["line"].pk, "")
    context = {"order": order, "form": form, "lines": lines, "error": error}
    return render(request, "aftersales/apply.html", context, status=422 if request.method == "POST" else 200)


# --- registration ---------------------------------------------------------------------------------


def pending_badge(request) -> int | None:
    """The navigation badge of approvers: pending cases they may decide."""
    access = getattr(request, "store_access", None)
    if access is None or not access.can("aftersales.approve"):
        return None
    return selectors.pending_approval_count(access=access) or None
