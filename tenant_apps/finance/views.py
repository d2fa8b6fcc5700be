"""Pages of finance: the finance centre (payment records with totals, filters and inline
confirmation), overdue receivables, invoices with their issue and mailing forms, the forms the
order page's finance panel posts to, and the voucher and invoice files.

Thin views: reads through selectors, writes through services; a refused action is shown where it
came from (422 for htmx, which swaps it in place).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shared_apps.accounts.views import store_page
from shared_apps.platform.dates import DayField
from shared_apps.platform.errors import DomainError, NotFound, ValidationFailed
from shared_apps.platform.listing import Column, ListSpec, register_list
from tenant_apps.finance import files, selectors, services
from tenant_apps.finance.inputs import (
    InvoiceCreateSerializer,
    InvoiceIssueSerializer,
    InvoiceMailSerializer,
    PaymentCreateSerializer,
    PaymentRejectSerializer,
)
from tenant_apps.finance.models import Invoice, Payment
from tenant_apps.lists.selectors import list_state
from tenant_apps.sales.models import Order
from tenant_apps.sales.selectors import order_get_for_user

PER_PAGE = 50


def _select(choices, label):
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", gettext_lazy("All")), *choices],
        widget=forms.Select(attrs={"class": "form-select", "data-autosubmit": ""}),
    )


def _date(label):
    return DayField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )


PAYMENT_LIST = register_list(
    ListSpec(
        key="payments",
        url_name="finance:centre",
        columns=(
            Column("recorded", gettext_lazy("Recorded"), sort="created_at", required=True),
            Column("order", gettext_lazy("Order")),
            Column("kind", gettext_lazy("Kind")),
            Column("amount", gettext_lazy("Amount"), sort="amount", numeric=True),
            Column("method", gettext_lazy("Method")),
            Column("vouchers", gettext_lazy("Vouchers")),
            Column("decision", gettext_lazy("Decision"), sort="confirmed_at", required=True),
        ),
        filter_keys=(
            "q",
            "kind",
            "status",
            "method",
            "created_from",
            "created_to",
            "confirmed_from",
            "confirmed_to",
        ),
        permission="payments.view",
    )
)


class PaymentFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    kind = _select(Payment.Kind.choices, gettext_lazy("Kind"))
    status = _select(Payment.Status.choices, gettext_lazy("Status"))
    method = _select(Payment.Method.choices, gettext_lazy("Method"))
    created_from = _date(gettext_lazy("Recorded from"))
    created_to = _date(gettext_lazy("Recorded to"))
    confirmed_from = _date(gettext_lazy("Confirmed from"))
    confirmed_to = _date(gettext_lazy("Confirmed to"))


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    status = _select(Invoice.Status.choices, gettext_lazy("Status"))
    invoice_type = _select(Invoice.Type.choices, gettext_lazy("Type"))


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=Payment.Kind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal", "placeholder": "0.00"}),
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        choices=Payment.Method.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class InvoiceRequestForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Invoice title"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    tax_number = forms.CharField(
        label=gettext_lazy("Tax number"), max_length=30, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    invoice_type = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=Invoice.Type.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    address = forms.CharField(
        label=gettext_lazy("Mailing address"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class IssueForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Invoice number"), max_length=40, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    file = forms.FileField(
        label=gettext_lazy("Invoice file (PDF or image)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": "application/pdf,image/*"}),
    )


class MailForm(forms.Form):
    courier = forms.CharField(
        label=gettext_lazy("Courier"), max_length=60, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    tracking_number = forms.CharField(
        label=gettext_lazy("Tracking number"), max_length=64, widget=forms.TextInput(attrs={"class": "form-control"})
    )


def _filters(form: forms.Form) -> dict:
    if not form.is_valid():
        return {}
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.cleaned_data.items() if v}


def _page(request, qs):
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _form_with_error(form: forms.Form, exc: DomainError) -> None:
    placed = False
    for field, errors in exc.errors.items():
        name = "file" if field == "voucher" and "file" in form.fields else field
        for error in errors:
            if name in form.fields:
                form.add_error(name, error)
                placed = True
    if not placed:
        form.add_error(None, exc.detail)


# --- finance centre -------------------------------------------------------------------------------


@store_page("payments.view")
def centre(request):
    access = request.store_access
    form = PaymentFilterForm(request.GET or None)
    filters = _filters(form)
    if PAYMENT_LIST.valid_ordering(request.GET.get("ordering", "")):  # another sort key is ignored
        filters["ordering"] = request.GET["ordering"]
    try:
        payments = selectors.payment_list(access=access, filters=filters)
    except ValidationFailed:
        payments = selectors.payment_list(access=access)
    page, filter_query = _page(request, payments)
    context = {
        "list": list_state(access=access, spec=PAYMENT_LIST, params=request.GET),
        "form": form,
        "page": page,
        "payments": page.object_list,
        "totals": selectors.payment_totals(payments),
        "filter_query": filter_query,
        "is_filtered": bool(filters),
        "can_decide": access.can("payments.confirm") and request.tenant.is_writable,
    }
    if request.htmx and request.htmx.target == "payments-table":
        return render(request, "finance/_payments_table.html", context)
    return render(request, "finance/centre.html", context)


def _payment_row(request, payment_id: int, *, error: str = "", status: int = 200):
    payment = selectors.payment_get_for_user(payment_id=payment_id, access=request.store_access)
    context = {
        "payment": payment,
        "error": error,
        "can_decide": True,
        "list": list_state(access=request.store_access, spec=PAYMENT_LIST, params=request.GET),
    }
    response = render(request, "finance/_payment_row.html", context, status=status)
    response["HX-Trigger"] = "crm-counters"  # the sidebar's pending-payments badge follows
    return response


def _decided(request, payment_id: int, error: str, success: str):
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or success)
        return redirect(request.POST.get("next") or "finance:centre")
    return _payment_row(request, payment_id, error=error, status=422 if error else 200)


def _visible_payment(request, payment_id: int) -> Payment:
    try:
        return selectors.payment_get_for_user(payment_id=payment_id, access=request.store_access)
    except NotFound:
        raise Http404 from None


@require_POST
@store_page("payments.confirm")
def payment_confirm(request, payment_id: int):
    payment = _visible_payment(request, payment_id)
    error = ""
    try:
        services.payment_confirm(access=request.store_access, payment_id=payment.pk)
    except DomainError as exc:
        error = exc.detail
    return _decided(request, payment.pk, error, _("The payment record was confirmed."))


@require_POST
@store_page("payments.confirm")
def payment_reject(request, payment_id: int):
    payment = _visible_payment(request, payment_id)
    error = ""
    try:
        values = PaymentRejectSerializer.read(request.POST)
        services.payment_reject(access=request.store_access, payment_id=payment.pk, **values)
    except DomainError as exc:
        error = exc.detail
    return _decided(request, payment.pk, error, _("The payment record was rejected."))


@store_page("payments.view")
def voucher_file(request, payment_id: int, voucher_id: int):
    try:
        voucher = selectors.voucher_get_for_user(
            payment_id=payment_id, voucher_id=voucher_id, access=request.store_access
        )
        return files.file_response(voucher)
    except NotFound:
        raise Http404 from None


@store_page("payments.view")
def receivables(request):
    orders = selectors.overdue_receivables(access=request.store_access)
    page, filter_query = _page(request, orders)
    today = selectors.store_today()
    rows = [(order, (today - order.due_date).days) for order in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "total": selectors.overdue_total(orders),
        "filter_query": filter_query,
        "today": today,
    }
    return render(request, "finance/receivables.html", context)


# --- the order page's panel -----------------------------------------------------------------------


def _order(request, order_id: int):
    try:
        return order_get_for_user(order_id=order_id, access=request.store_access)
    except NotFound:
        raise Http404 from None


def _back_to_order(request, order, *, message: str = "", error: str = ""):
    if error:
        messages.error(request, error)
    elif message:
        messages.success(request, message)
    if request.htmx:
        # From the order page's panel or the stand-alone form alike, the user lands on the order.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = services.order_url(order.pk)
        return response
    return redirect(services.order_url(order.pk))


def _fresh_order_panel(request, order_id: int):
    """The order page's money panel drawn again after a change (htmx swaps it in place of the old
    one), so the figures and the records are current without a reload."""
    from tenant_apps.finance.panels import order_finance_panel

    order = _order(request, order_id)
    panel = order_finance_panel(order=order, access=request.store_access)
    response = render(request, "finance/order_panel.html", {"order": order, "panel": panel, "payment_added": True})
    response["HX-Retarget"] = "#finance-panel"
    response["HX-Reswap"] = "outerHTML"
    response["HX-Trigger"] = "order-money-changed"
    return response


@store_page("payments.create")
def order_payment_add(request, order_id: int):
    """The add-payment form of one order (with voucher files); on success, back to the order."""
    order = _order(request, order_id)
    form = PaymentForm(request.POST or None)
    if order.status == Order.Status.CANCELLED:
        # Nothing but a refund can be recorded on a cancelled order (finance.services): the form
        # offers nothing else.
        form.fields["kind"].choices = [(Payment.Kind.REFUND, Payment.Kind.REFUND.label)]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                values = PaymentCreateSerializer.read(form.cleaned_data, vouchers=request.FILES.getlist("voucher"))
                services.payment_create(access=request.store_access, order=order, **values)
            except DomainError as exc:
                _form_with_error(form, exc)
                voucher_text = " ".join(exc.errors.get("voucher", []))
                if voucher_text and voucher_text not in form.non_field_errors():
                    form.add_error(None, voucher_text)
            else:
                if request.htmx and request.headers.get("X-Order-Panel"):
                    return _fresh_order_panel(request, order_id)
                return _back_to_order(request, order, message=_("The payment record was added."))
        status = 422
    context = {"order": order, "form": form, "money": selectors.order_money(order=order)}
    template = "finance/_payment_form.html" if request.htmx else "finance/payment_form.html"
    return render(request, template, context, status=status)


@store_page("invoices.request")
def order_invoice_add(request, order_id: int):
    """Request an invoice on one order; on success, back to the order."""
    order = _order(request, order_id)
    form = InvoiceRequestForm(request.POST or None, initial={"title": order.customer.company or order.customer.name})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                values = InvoiceCreateSerializer.read({**form.cleaned_data, "order": order.pk})
                services.invoice_request(access=request.store_access, order=order, **values)
            except DomainError as exc:
                _form_with_error(form, exc)
            else:
                return _back_to_order(request, order, message=_("The invoice was requested."))
        status = 422
    context = {"order": order, "form": form}
    template = "finance/_invoice_form.html" if request.htmx else "finance/invoice_form.html"
    return render(request, template, context, status=status)


# --- invoices -------------------------------------------------------------------------------------


@store_page("invoices.view")
def invoices(request):
    access = request.store_access
    form = InvoiceFilterForm(request.GET or None)
    filters = _filters(form)
    try:
        qs = selectors.invoice_list(access=access, filters=filters)
    except ValidationFailed:
        qs = selectors.invoice_list(access=access)
    page, filter_query = _page(request, qs)
    context = {"form": form, "page": page, "invoices": page.object_list, "filter_query": filter_query}
    return render(request, "finance/invoices.html", context)


def _invoice(request, invoice_id: int) -> Invoice:
    try:
        return selectors.invoice_get_for_user(invoice_id=invoice_id, access=request.store_access)
    except NotFound:
        raise Http404 from None


def _invoice_page(request, invoice, *, issue_form=None, mail_form=None, status: int = 200):
    access = request.store_access
    writable = request.tenant.is_writable
    can_issue = access.can("invoices.issue") and writable
    context = {
        "invoice": invoice,
        "issue_form": issue_form or IssueForm(),
        "mail_form": mail_form or MailForm(),
        "can_issue": can_issue and invoice.status == Invoice.Status.REQUESTED,
        "can_mail": can_issue and invoice.status == Invoice.Status.ISSUED,
        "can_cancel": writable
        and invoice.status == Invoice.Status.REQUESTED
        and (
            access.can("invoices.issue")
            or (access.can("invoices.request") and invoice.requested_by_id == access.user.pk)
        ),
        "order_url": services.order_url(invoice.order_id) if invoice.order_id else "",
    }
    return render(request, "finance/invoice_detail.html", context, status=status)


@store_page("invoices.view")
def invoice_detail(request, invoice_id: int):
    return _invoice_page(request, _invoice(request, invoice_id))


@require_POST
@store_page("invoices.issue")
def invoice_issue(request, invoice_id: int):
    invoice = _invoice(request, invoice_id)
    form = IssueForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            values = InvoiceIssueSerializer.read(form.cleaned_data, file=form.cleaned_data["file"])
            services.invoice_issue(access=request.store_access, invoice_id=invoice.pk, **values)
        except DomainError as exc:
            _form_with_error(form, exc)
        else:
            messages.success(request, _("The invoice was issued."))
            return redirect("finance:invoice", invoice_id=invoice.pk)
    return _invoice_page(request, _invoice(request, invoice_id), issue_form=form, status=422)


@require_POST
@store_page("invoices.issue")
def invoice_mail(request, invoice_id: int):
    invoice = _invoice(request, invoice_id)
    form = MailForm(request.POST)
    if form.is_valid():
        try:
            values = InvoiceMailSerializer.read(form.cleaned_data)
            services.invoice_mail(access=request.store_access, invoice_id=invoice.pk, **values)
        except DomainError as exc:
            _form_with_error(form, exc)
        else:
            messages.success(request, _("The mailing was recorded."))
            return redirect("finance:invoice", invoice_id=invoice.pk)
    return _invoice_page(request, _invoice(request, invoice_id), mail_form=form, status=422)


@require_POST
@store_page("invoices.request")
def invoice_cancel(request, invoice_id: int):
    invoice = _invoice(request, invoice_id)
    try:
        services.invoice_cancel(access=request.store_access, invoice_id=invoice.pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The invoice request was cancelled."))
    return redirect("finance:invoice", invoice_id=invoice.pk)


@store_page("invoices.view")
def invoice_file(request, invoice_id: int):
    invoice = _invoice(request, invoice_id)
    if not invoice.file:
        raise Http404
    try:
        return files.file_response(invoice)
    except NotFound:
        raise Http404 from None
