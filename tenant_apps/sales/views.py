"""Pages of sales: products, quotations (with the line editor), orders (list, detail with the
timeline and the moves the user's role allows, export) and the warehouse queue.

The pages are thin: their forms' values go through the input serializers of the API
(``tenant_apps.sales.inputs``), every rule is in the services and selectors; domain errors are
shown as messages. ``register_pages()`` adds the navigation entries (from ``AppConfig.ready()``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, NotFound
from shared_apps.platform.listing import BulkAction, Column, ListSpec, register_list
from shared_apps.platform.navigation import NavEntry, register_entries
from shared_apps.reporting.catalogue import Kind
from shared_apps.reporting.display import value_text
from shared_apps.reporting.periods import rate
from tenant_apps.lists.selectors import list_state
from tenant_apps.sales import rules, selectors, services
from tenant_apps.sales.couriers import COURIERS, carrier_from_form
from tenant_apps.sales.inputs import (
    CategoryInputSerializer,
    CommentSerializer,
    DeliveryFailInputSerializer,
    DeliveryTransitionInputSerializer,
    FeedbackInputSerializer,
    OrderInputSerializer,
    ProductInputSerializer,
    QuotationInputSerializer,
    QuotationPreviewInputSerializer,
    TransitionInputSerializer,
)
from tenant_apps.sales.models import Order, Quotation
from tenant_apps.sales.paging import CappedCountPaginator
from tenant_apps.workspace.selectors import channel_list

PAGE_SIZE = 50
EDITOR_MAX_ROWS = 200
LINE_KEY = re.compile(r"product_(\d{1,3})")
ORDER_FILTERS = (
    "status",
    "payment_mode",
    "channel",
    "owner",
    "customer",
    "signed_from",
    "signed_to",
    "overdue",
    "q",
    "ordering",
)
QUOTATION_LIST = ListSpec(
    key="quotations",
    url_name="sales:quotations",
    columns=(
        Column("number", gettext_lazy("Number"), sort="number", required=True),
        Column("customer", gettext_lazy("Customer")),
        Column("status", gettext_lazy("Status")),
        Column("amount", gettext_lazy("Amount"), sort="amount", numeric=True),
        Column("discount_rate", gettext_lazy("Discount rate"), numeric=True),
        Column("valid_until", gettext_lazy("Valid until"), sort="valid_until"),
        Column("created", gettext_lazy("Created"), sort="created_at"),
    ),
    filter_keys=("q", "status", "customer", "owner"),
    permission="quotations.view",
)
ORDER_LIST = ListSpec(
    key="orders",
    url_name="sales:orders",
    columns=(
        Column("number", gettext_lazy("Number"), sort="number", required=True),
        Column("customer", gettext_lazy("Customer")),
        Column("status", gettext_lazy("Status"), sort="status"),
        Column("payment_mode", gettext_lazy("Payment mode")),
        Column("amount", gettext_lazy("Amount"), sort="amount", numeric=True),
        Column("outstanding", gettext_lazy("Outstanding"), numeric=True),
        Column("gross_profit", pgettext_lazy("metric", "Gross profit"), numeric=True, permission="costs.view"),
        Column("signed_at", gettext_lazy("Signed at"), sort="signed_at"),
        Column("due_date", gettext_lazy("Due date"), sort="due_date", default=False),
    ),
    filter_keys=("q", "status", "payment_mode", "channel", "owner", "customer", "signed_from", "signed_to", "overdue"),
    bulk_url_name="sales:order-bulk",
    bulk_actions=(BulkAction("export", gettext_lazy("Export the selection"), "orders.export"),),
    permission="orders.view",
)


def _access(request):
    return request.store_access


def _found(getter, **kwargs):
    """A record through its selector; "not found" and "not yours" are the page's 404."""
    try:
        return getter(**kwargs)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def _filters(request, keys) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in keys if request.GET.get(k, "").strip()}


def _page(request, qs, paginator=Paginator):
    return paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(exc: DomainError) -> str:
    details = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items()]
    return " ".join([exc.detail, *details]) if details else exc.detail


# --- products -------------------------------------------------------------------------------------


@require_GET
@store_page("products.view")
def product_list(request):
    filters = _filters(request, ("q", "category", "active"))
    try:
        qs = selectors.product_list(filters=filters)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        qs = selectors.product_list()
    return render(
        request,
        "sales/products.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "categories": selectors.category_list(),
            "can_manage": _access(request).can("products.manage"),
            "can_see_costs": _access(request).can("costs.view"),
        },
    )


def _product_form_data(request) -> dict:
    data = {k: request.POST.get(k, "") for k in ("sku", "name", "spec", "unit", "list_price", "category")}
    data["active"] = request.POST.get("active") == "on"
    if request.POST.get("cost_price", "").strip():
        data["cost_price"] = request.POST["cost_price"].strip()
    return data


@require_http_methods(["GET", "POST"])
@store_page("products.manage")
def product_edit(request, product_id=None):
    product = _found(selectors.product_get, product_id=product_id) if product_id is not None else None
    values = _product_form_data(request) if request.method == "POST" else None
    if request.method == "POST":
        try:
            if product is None:
                services.product_create(access=_access(request), **ProductInputSerializer.read(values))
            else:
                changes = ProductInputSerializer.read(values, partial=True)
                services.product_update(product_id=product.pk, access=_access(request), **changes)
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The product was saved."))
            return redirect("sales:products")
    return render(
        request,
        "sales/product_form.html",
        {
            "product": product,
            "values": values,
            "categories": selectors.category_list(),
            "can_manage_costs": _access(request).can("costs.manage"),
            "can_see_costs": _access(request).can("costs.view"),
            "costs": selectors.product_costs(product_id=product.pk) if product is not None else [],
        },
    )


@require_POST
@store_page("products.manage")
def category_create(request):
    try:
        values = CategoryInputSerializer.read({"name": request.POST.get("name", "")})
        services.category_create(access=_access(request), **values)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("sales:products")


# --- quotations -----------------------------------------------------------------------------------


@require_GET
@store_page("quotations.view")
def quotation_list(request):
    filters = _filters(request, ("status", "q", "customer", "owner", "ordering"))
    if filters.get("ordering") and not QUOTATION_LIST.valid_ordering(filters["ordering"]):
        filters.pop("ordering")  # a sort key the list does not offer is ignored
    try:
        qs = selectors.quotation_list(access=_access(request), filters=filters)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        qs = selectors.quotation_list(access=_access(request))
    return render(
        request,
        "sales/quotations.html",
        {
            "list": list_state(access=_access(request), spec=QUOTATION_LIST, params=request.GET),
            "page": _page(request, qs),
            "filters": filters,
            "filter_query": urlencode(filters),
            "statuses": Quotation.Status.choices,
            "can_create": _access(request).can("quotations.create"),
        },
    )


def _editor_indexes(post) -> list[int]:
    """The line numbers a posted editor holds (rows are added and removed in the page)."""
    indexes = sorted({int(m.group(1)) for key in post for m in [LINE_KEY.fullmatch(key)] if m})
    return indexes[:EDITOR_MAX_ROWS]


def _editor_lines(post) -> list[dict]:
    lines = []
    for index in _editor_indexes(post):
        product = post.get(f"product_{index}", "").strip()
        if not product:
            continue
        lines.append(
            {
                "product": product,
                "quantity": post.get(f"quantity_{index}", "").strip(),
                "unit_price": post.get(f"unit_price_{index}", "").strip(),
            }
        )
    return lines


def _editor_context(request, values=None, quotation=None) -> dict:
    from tenant_apps.customers.selectors import customer_get_for_user

    if values is not None:
        rows = [
            {k: values.get(f"{k}_{index}", "") for k in ("product", "quantity", "unit_price")}
            for index in _editor_indexes(values)
        ]
    elif quotation is not None:
        rows = [
            {"product": str(line.product_id), "quantity": line.quantity, "unit_price": line.unit_price}
            for line in quotation.lines.all()
        ]
    else:
        rows = []
    if not rows:
        rows = [{"product": "", "quantity": "", "unit_price": ""}]
    ids = [int(row["product"]) for row in rows if str(row["product"]).isdecimal()]
    names = {p.pk: f"{p.sku} {p.name}" for p in selectors.product_list().filter(pk__in=ids)} if ids else {}
    for index, row in enumerate(rows):
        row["index"] = index
        row["label"] = names.get(int(row["product"]), "") if str(row["product"]).isdecimal() else ""
    customer_id = (values.get("customer") if values is not None else "") or request.GET.get("customer", "")
    customer_label = ""
    if customer_id and quotation is None:
        try:
            customer_label = customer_get_for_user(customer_id=customer_id, access=_access(request)).name
        except NotFound:
            customer_id = ""
    return {
        "rows": rows,
        "next_index": len(rows),
        "customer_id": customer_id,
        "customer_label": customer_label,
        "channels": channel_list(active_only=True),
        "values": values,
        "quotation": quotation,
    }


@require_http_methods(["GET", "POST"])
@store_page("quotations.create")
def quotation_create(request, quotation_id=None):
    quotation = (
        _found(selectors.quotation_get_for_user, quotation_id=quotation_id, access=_access(request))
        if quotation_id is not None
        else None
    )
    values = request.POST if request.method == "POST" else None
    if request.method == "POST":
        data = {
            "customer": request.POST.get("customer", ""),
            "valid_until": request.POST.get("valid_until", ""),
            "notes": request.POST.get("notes", ""),
            "lines": _editor_lines(request.POST),
        }
        if request.POST.get("channel"):
            data["channel"] = request.POST["channel"]
        if not data["valid_until"].strip():
            # Left blank: a new quotation takes the default validity (as in the API), an edit keeps its date.
            del data["valid_until"]
        try:
            if quotation is None:
                quotation = services.quotation_create(access=_access(request), **QuotationInputSerializer.read(data))
            else:
                data.pop("customer")
                changes = QuotationInputSerializer.read(data, partial=True)
                services.quotation_update(quotation_id=quotation.pk, access=_access(request), **changes)
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            return redirect("sales:quotation-detail", quotation_id=quotation.pk)
    context = _editor_context(request, values, quotation)
    return render(request, "sales/quotation_form.html", context)


@require_POST
@store_page("quotations.create")
def quotation_preview(request):
    """The live figures of the line editor and, per line, the customer's and the store's past
    prices (htmx partial)."""
    lines = _editor_lines(request.POST)
    preview = None
    error = ""
    if lines:
        try:
            preview = services.quotation_preview(**QuotationPreviewInputSerializer.read({"lines": lines}))
        except DomainError as exc:
            error = _error_text(exc)
    histories = []
    customer = request.POST.get("customer", "")
    for line in lines:
        try:
            history = selectors.product_price_history(
                product_id=line["product"], customer_id=customer or None, access=_access(request), limit=3
            )
        except DomainError:
            continue
        product = _found(selectors.product_get, product_id=line["product"])
        histories.append({"product": product, **history})
    return render(
        request, "sales/_quotation_preview.html", {"preview": preview, "error": error, "histories": histories}
    )


@require_GET
@store_page("quotations.view")
def quotation_detail(request, quotation_id):
    access = _access(request)
    quotation = _found(selectors.quotation_get_for_user, quotation_id=quotation_id, access=access)
    status = quotation.status
    S = Quotation.Status
    actions = []
    if access.can("quotations.create"):
        if status in (S.DRAFT, S.REJECTED):
            actions.append(("submit", _("Submit")))
        if status == S.APPROVED:
            actions.append(("send", _("Mark as sent")))
        if status == S.SENT:
            actions.append(("accept", _("Mark as accepted")))
    can_decide = access.can("quotations.approve") and status == S.PENDING_APPROVAL
    can_order = access.can("orders.create") and status in (S.APPROVED, S.SENT, S.ACCEPTED)
    return render(
        request,
        "sales/quotation_detail.html",
        {
            "quotation": quotation,
            "lines": quotation.lines.order_by("position", "id"),
            "actions": actions,
            "can_decide": can_decide,
            "can_edit": access.can("quotations.create") and status in (S.DRAFT, S.REJECTED),
            "can_order": can_order,
            "orders": quotation.orders.order_by("-signed_at"),
            "devices": Order.Device.choices,
            "default_due": (quotation.valid_until + timedelta(days=30)).isoformat(),
        },
    )


QUOTATION_ACTIONS = {
    "submit": ("quotations.create", services.quotation_submit),
    "send": ("quotations.create", services.quotation_send),
    "accept": ("quotations.create", services.quotation_accept),
    "approve": ("quotations.approve", services.quotation_approve),
    "reject": ("quotations.approve", services.quotation_reject),
}


@require_POST
@store_page("quotations.view")
def quotation_action(request, quotation_id, action):
    access = _access(request)
    quotation = _found(selectors.quotation_get_for_user, quotation_id=quotation_id, access=access)
    permission, service = QUOTATION_ACTIONS.get(action, (None, None))
    if service is None or not access.can(permission):
        messages.error(request, _("This action is not allowed."))
        return redirect("sales:quotation-detail", quotation_id=quotation.pk)
    try:
        values = {}
        if action in ("approve", "reject"):
            values = CommentSerializer.read({"comment": request.POST.get("comment", "")})
        service(quotation_id=quotation.pk, access=access, **values)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("sales:quotation-detail", quotation_id=quotation.pk)


@require_POST
@store_page("orders.create")
def order_from_quotation(request, quotation_id):
    access = _access(request)
    quotation = _found(selectors.quotation_get_for_user, quotation_id=quotation_id, access=access)
    data = {k: request.POST.get(k, "") for k in ("payment_mode", "due_date", "device", "notes")}
    data["quotation"] = quotation.pk
    try:
        order = services.order_create(access=access, **OrderInputSerializer.read(data))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect("sales:quotation-detail", quotation_id=quotation.pk)
    return redirect("sales:order-detail", order_id=order.pk)


@require_http_methods(["GET", "POST"])
@store_page("orders.create")
def order_create(request):
    """A contract order signed directly from lines (no quotation): the discount rule of the
    service applies, so a deep discount asks for a quotation and its approval."""
    values = request.POST if request.method == "POST" else None
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("customer", "payment_mode", "due_date", "device", "notes")}
        data["lines"] = _editor_lines(request.POST)
        if request.POST.get("channel"):
            data["channel"] = request.POST["channel"]
        try:
            order = services.order_create(access=_access(request), **OrderInputSerializer.read(data))
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            return redirect("sales:order-detail", order_id=order.pk)
    context = _editor_context(request, values)
    context["devices"] = Order.Device.choices
    context["default_due"] = (timezone.localdate() + timedelta(days=30)).isoformat()
    return render(request, "sales/order_form.html", context)


@require_GET
@store_page("quotations.view")
def quotation_pdf(request, quotation_id):
    from django.http import HttpResponse

    from tenant_apps.sales.pdf import quotation_pdf as render_pdf

    quotation = _found(selectors.quotation_get_for_user, quotation_id=quotation_id, access=_access(request))
    response = HttpResponse(render_pdf(quotation=quotation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quotation.number}.pdf"'
    return response


# --- orders ---------------------------------------------------------------------------------------


@require_GET
@store_page("orders.view")
def order_list(request):
    access = _access(request)
    filters = _filters(request, ORDER_FILTERS)
    if filters.get("ordering") and not ORDER_LIST.valid_ordering(filters["ordering"]):
        filters.pop("ordering")  # a sort key the list does not offer is ignored
    try:
        qs = selectors.order_list(access=access, filters=filters)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        filters = {}
        qs = selectors.order_list(access=access)
    context = {
        "list": list_state(access=access, spec=ORDER_LIST, params=request.GET),
        "page": _page(request, qs, CappedCountPaginator),
        "filters": filters,
        "filter_query": urlencode(filters),
        "statuses": Order.Status.choices,
        "modes": Order.PaymentMode.choices,
        "channels": channel_list(),
        "can_export": access.can("orders.export"),
        "can_import": access.can("orders.import"),
        "can_see_costs": access.can("costs.view"),
    }
    template = "sales/_orders_table.html" if request.headers.get("HX-Request") else "sales/orders.html"
    return render(request, template, context)


@require_POST
@store_page("orders.export")
def order_bulk(request):
    """The list's bulk action on the selected orders: export them (XLSX or CSV)."""
    from tenant_apps.sales.exporting import export_orders

    ids = [value for value in request.POST.getlist("ids") if value.isdecimal()]
    if request.POST.get("action") != "export" or not ids:
        messages.error(request, _("Select at least one order."))
        return redirect("sales:orders")
    qs = selectors.order_list(access=_access(request), filters={"ids": ",".join(ids)})
    return export_orders(orders=qs, fmt=request.POST.get("format", "xlsx"))


@require_GET
@store_page("orders.export")
def order_export(request):
    from tenant_apps.sales.exporting import export_orders

    qs = selectors.order_list(access=_access(request), filters=_filters(request, ORDER_FILTERS))
    return export_orders(orders=qs, fmt=request.GET.get("format", "xlsx"), costs=_access(request).can("costs.view"))


def _panel_template(key: str) -> str | None:
    """``<key>/order_panel.html`` when the module ships one (sales/panels.py), else None."""
    try:
        get_template(f"{key}/order_panel.html")
    except TemplateDoesNotExist:
        return None
    return f"{key}/order_panel.html"


@require_GET
@store_page("orders.view")
def order_detail(request, order_id):
    access = _access(request)
    order = _found(selectors.order_get_for_user, order_id=order_id, access=access)
    panels = []
    for key, panel in selectors.order_panels_for(order=order, access=access).items():
        panels.append({"key": key, "panel": panel, "template": _panel_template(key)})
    moves = [(to, Order.Status(to).label) for to in rules.allowed_transitions(order=order, access=access)]
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "lines": selectors.order_lines(order=order),
            "deliveries": selectors.order_deliveries(order=order),
            "can_fail_delivery": access.can("orders.ship"),
            "timeline": selectors.order_timeline(order=order),
            "status_labels": dict(Order.Status.choices),
            "moves": [move for move in moves if move[0] != Order.Status.CANCELLED],
            "can_cancel": any(to == Order.Status.CANCELLED for to, _label in moves),
            "steps": _pipeline_steps(order),
            "has_money_panel": any(p["key"] == "finance" for p in panels),
            "can_feedback": access.can("orders.feedback")
            and order.status == Order.Status.COMPLETED
            and order.rating is None,
            "panels": panels,
            "profit": _profit(order) if access.can("costs.view") else None,
            "couriers": COURIERS,
        },
    )


BOARD_CARDS = 30
BOARD_STATUSES = (
    Order.Status.PENDING_COLLECTION,
    Order.Status.PENDING_OUTBOUND,
    Order.Status.PENDING_DELIVERY,
    Order.Status.PENDING_RECEIPT,
    Order.Status.AWAITING_PAYMENT,
    Order.Status.COMPLETED,
)


@require_GET
@store_page("orders.view")
def order_board(request):
    """The orders the user sees as a board, one column per open status (and the completed ones),
    newest first; each column shows its count and its latest cards."""
    access = _access(request)
    base = selectors.order_list(access=access).select_related("customer")
    columns = []
    for status in BOARD_STATUSES:
        orders = base.filter(status=status)
        columns.append(
            {
                "status": status,
                "label": Order.Status(status).label,
                "count": orders.count(),
                "orders": list(orders.order_by("-signed_at", "-id")[:BOARD_CARDS]),
                "list_url": reverse("sales:orders") + "?" + urlencode({"status": status}),
            }
        )
    return render(request, "sales/order_board.html", {"columns": columns})


def _pipeline_steps(order) -> list[dict]:
    """The order's pipeline as a step bar: each step done, current or to come (a credit order is
    collected after receipt; a cancelled order shows where it stopped)."""
    S = Order.Status
    if order.payment_mode == Order.PaymentMode.PREPAID:
        path = [S.PENDING_COLLECTION, S.PENDING_OUTBOUND, S.PENDING_DELIVERY, S.PENDING_RECEIPT, S.COMPLETED]
    else:
        path = [S.PENDING_OUTBOUND, S.PENDING_DELIVERY, S.PENDING_RECEIPT, S.AWAITING_PAYMENT, S.COMPLETED]
    current = order.status
    if current == S.CANCELLED:
        reached = set(order.events.values_list("from_status", flat=True))
        index = max((path.index(s) for s in path if s in reached), default=0)
    else:
        index = path.index(current) if current in path else 0
    steps = []
    for position, status in enumerate(path):
        if current == S.COMPLETED or position < index:
            state = "done"
        elif position == index and current != S.CANCELLED:
            state = "current"
        else:
            state = "todo"
        steps.append({"status": status, "label": S(status).label, "state": state})
    return steps


def _profit(order: Order) -> dict:
    """The order's gross profit for the page (metrics.md, "Gross profit")."""
    gross = order.amount - order.cost
    return {
        "cost": order.cost,
        "gross_profit": gross,
        "gross_margin": value_text(Kind.RATE, rate(gross, order.amount)),
        "lines_without_cost": order.lines_without_cost,
    }


@require_POST
@store_page("orders.view")
def order_transition(request, order_id):
    access = _access(request)
    order = _found(selectors.order_get_for_user, order_id=order_id, access=access)
    data = {k: request.POST.get(k, "") for k in ("to", "tracking_number", "reason")}
    data["carrier"] = carrier_from_form(request.POST)
    try:
        services.order_transition(order_id=order.pk, access=access, **TransitionInputSerializer.read(data))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The order was updated."))
    if request.POST.get("next") == "warehouse":
        return redirect("sales:warehouse")
    return redirect("sales:order-detail", order_id=order.pk)


@require_POST
@store_page("orders.feedback")
def order_feedback(request, order_id):
    access = _access(request)
    order = _found(selectors.order_get_for_user, order_id=order_id, access=access)
    rating = request.POST.get("rating", "")
    data = {"rating": int(rating) if rating.isdecimal() else None, "comment": request.POST.get("comment", "")}
    try:
        services.order_feedback(order_id=order.pk, access=access, **FeedbackInputSerializer.read(data))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("sales:order-detail", order_id=order.pk)


# --- warehouse ------------------------------------------------------------------------------------


@require_GET
@store_page("orders.view")
def warehouse(request):
    access = _access(request)
    queue = selectors.warehouse_queue(access=access)
    return render(
        request,
        "sales/warehouse.html",
        {
            **queue,
            "can_outbound": access.can("orders.outbound"),
            "can_ship": access.can("orders.ship"),
            "can_receive": access.can("orders.receive"),
            "delivery_next": dict(rules.DELIVERY_NEXT),
            "couriers": COURIERS,
        },
    )


@require_POST
@store_page("orders.view")
def delivery_transition(request, delivery_id):
    access = _access(request)
    delivery = _found(selectors.delivery_get_for_user, delivery_id=delivery_id, access=access)
    data = {
        "to": request.POST.get("to", ""),
        "carrier": carrier_from_form(request.POST),
        "tracking_number": request.POST.get("tracking_number", ""),
    }
    try:
        services.delivery_transition(delivery=delivery, access=access, **DeliveryTransitionInputSerializer.read(data))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("sales:warehouse")


@require_POST
@store_page("orders.view")
def delivery_fail(request, delivery_id):
    access = _access(request)
    delivery = _found(selectors.delivery_get_for_user, delivery_id=delivery_id, access=access)
    try:
        values = DeliveryFailInputSerializer.read({"reason": request.POST.get("reason", "")})
        services.delivery_fail(delivery=delivery, access=access, **values)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("sales:order-detail", delivery.order_id)


NAVIGATION = (
    # key, label, URL name, permission, icon, order
    NavEntry("quotations", gettext_lazy("Quotations"), "sales:quotations", "quotations.view", "file-text", 40),
    NavEntry("orders", gettext_lazy("Orders"), "sales:orders", "orders.view", "shopping-bag", 42),
    NavEntry("warehouse", gettext_lazy("Warehouse"), "sales:warehouse", "orders.outbound", "package", 44),
    NavEntry("products", gettext_lazy("Products"), "sales:products", "products.view", "layers", 46),
)


def register_pages() -> None:
    """Navigation entries of sales and the declaration of the order list (from ``ready()``)."""
    register_list(ORDER_LIST)
    register_list(QUOTATION_LIST)
    register_entries(NAVIGATION)
