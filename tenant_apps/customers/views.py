"""Customer pages: the list (search, filters, export), create and edit forms, the 360° page with
the follow-up timeline, the spreadsheet import, and the "My follow-ups" panel of the home page.

Thin views: reads through the selectors (which apply the caller's visibility: another
salesperson's customer is a 404 here as in the API), writes through the services, whose errors
are shown in the forms. ``register_pages()`` adds the navigation entry, the home panel and the
customers importer; the app calls it from ``AppConfig.ready()``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.accounts.roles import Scope
from shared_apps.accounts.views import forbidden_page, store_page
from shared_apps.platform.errors import DomainError, NotFound, ValidationFailed
from shared_apps.platform.listing import BulkAction, Column, ListSpec, register_list
from shared_apps.platform.spreadsheets import CSV, check_upload_size
from tenant_apps.customers import importing, selectors, services
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.exporting import customers_export_response
from tenant_apps.customers.forms import (
    CustomerFilterForm,
    CustomerForm,
    FollowUpForm,
    ImportUploadForm,
    add_domain_errors,
    can_choose_owner,
    owner_choices,
)
from tenant_apps.customers.panels import bulk_action
from tenant_apps.imports import selectors as import_selectors
from tenant_apps.imports import services as import_services
from tenant_apps.imports.views import job_context
from tenant_apps.lists.selectors import list_state

PAGE_SIZE = 50
TIMELINE_SIZE = 30
HOME_PANEL_SIZE = 8
BULK_MAX = PAGE_SIZE * 4

CUSTOMER_LIST = ListSpec(
    key="customers",
    url_name="customers:list",
    columns=(
        Column("name", gettext_lazy("Name"), sort="name", required=True),
        Column("mobile", gettext_lazy("Mobile")),
        Column("channel", gettext_lazy("Channel")),
        Column("region", gettext_lazy("Region")),
        Column("grade", gettext_lazy("Grade"), sort="grade"),
        Column("tags", gettext_lazy("Tags")),
        Column("owner", gettext_lazy("Owner")),
        Column("next_follow_up", gettext_lazy("Next follow-up"), sort="next_follow_up_at"),
        Column("last_follow_up", gettext_lazy("Last follow-up"), sort="last_follow_up_at", default=False),
        Column("created", gettext_lazy("Created"), sort="created_at", default=False),
    ),
    filter_keys=("q", "grade", "tag", "channel", "province", "owner", "in_pool", "follow_up_due"),
    bulk_url_name="customers:bulk",
    bulk_actions=(
        BulkAction("transfer", gettext_lazy("Transfer"), "customers.transfer"),
        BulkAction("tag", gettext_lazy("Tag"), "customers.edit"),
        BulkAction("release", gettext_lazy("Release to the pool"), "pool.release"),
        BulkAction("export", gettext_lazy("Export the selection"), "customers.export"),
    ),
    permission="customers.view",
)


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


def _customer_or_404(request, customer_id):
    """The customer through its selector; a merged record sends to its survivor, else 404."""
    try:
        return selectors.customer_get_for_user(customer_id=customer_id, access=request.store_access)
    except NotFound as exc:
        survivor = exc.extra.get("merged_into")
        if survivor:
            raise _Redirect(reverse("customers:detail", args=[survivor])) from None
        raise Http404 from None


def _redirecting(view):
    """Let a view raise _Redirect (the merged-record case) from anywhere."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Redirect as target:
            return redirect(target.url)

    return wrapper


def _status(request, status: int) -> int:
    """htmx swaps only 2xx and 422 answers (static/js/app.js): a form with errors is a 422 there."""
    if request.htmx and 400 <= status < 500 and status not in (403, 404):
        return 422
    return status


def _htmx_redirect(request, url: str):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- the list ---------------------------------------------------------------------------------


def _list_filters(request, form: CustomerFilterForm) -> dict[str, str]:
    filters = form.filters() if request.GET else {}
    ordering = request.GET.get("ordering")
    if ordering and CUSTOMER_LIST.valid_ordering(ordering):  # a sort key the list does not offer is ignored
        filters["ordering"] = ordering
    return filters


@store_page("customers.view")
@require_GET
def customer_list(request):
    access = request.store_access
    form = CustomerFilterForm(request.GET or None, access=access, store=request.tenant)
    filters = _list_filters(request, form)
    try:
        customers = selectors.customer_list(access=access, filters=filters)
    except DomainError as exc:
        add_domain_errors(form, exc)
        customers = selectors.customer_list(access=access, filters={})
        customers = customers.none()
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.copy()
    export_query.pop("format", None)
    state = list_state(access=access, spec=CUSTOMER_LIST, params=request.GET)
    context = {
        "list": state,
        "bulk_owners": owner_choices(access=access, store=request.tenant) if access.can("customers.transfer") else [],
        "bulk_tags": [tag.name for tag in selectors.tag_list()] if access.can("customers.edit") else [],
        "form": form,
        "page": page,
        "customers": page.object_list,
        "filter_query": query.urlencode(),
        "export_query": export_query.urlencode(),
        "is_filtered": bool(filters),
        "now": timezone.now(),
        "can_create": access.can("customers.create") and not access.read_only,
        "can_import": access.can("customers.import") and not access.read_only,
        "can_export": access.can("customers.export"),
        "show_owner": access.scope != Scope.OWN,
    }
    if request.htmx and request.htmx.target == "customer-table":
        return render(request, "customers/_table.html", context)
    return render(request, "customers/list.html", context)


@store_page("customers.export")
@require_GET
def customer_export(request):
    """The list as CSV or XLSX, with the same filters (and visibility) as on the page."""
    access = request.store_access
    form = CustomerFilterForm(request.GET, access=access, store=request.tenant)
    filters = _list_filters(request, form)
    fmt = (request.GET.get("format") or CSV).lower()
    try:
        return customers_export_response(access=access, filters=filters, fmt=fmt)
    except DomainError as exc:
        return render(request, "error.html", {"status": 400, "title": exc.detail}, status=400)


def _selected_ids(request) -> list[int]:
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if not ids:
        raise ValidationFailed(_("Select at least one customer."))
    if len(ids) > BULK_MAX:
        raise ValidationFailed(_("Select at most %(n)s customers at once.") % {"n": BULK_MAX})
    return sorted(set(ids))


def _bulk_tag(access, ids: list[int], tag: str) -> int:
    if not tag:
        raise ValidationFailed(_("Choose a tag."), errors={"tag": [_("This field is required.")]})
    with transaction.atomic():
        for customer_id in ids:
            customer = selectors.customer_get_for_user(customer_id=customer_id, access=access)
            names = [t.name for t in customer.tags.all()]
            if tag not in names:
                services.tags_set(customer=customer, names=[*names, tag], access=access)
    return len(ids)


@store_page("customers.view")
@require_POST
def customer_bulk(request):
    """The list's bulk actions on the selected customers: transfer to a person (a handover), add a
    tag, release to the pool, or export the selection. One transaction: a refusal changes nothing."""
    access = request.store_access
    action = request.POST.get("action", "")
    allowed = {a.key: a for a in CUSTOMER_LIST.bulk_actions}
    back = request.POST.get("next") or reverse("customers:list")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("customers:list")
    if action not in allowed:
        messages.error(request, _("Choose an action."))
        return redirect(back)
    if not access.can(allowed[action].permission) or (access.read_only and action != "export"):
        return forbidden_page(request)
    try:
        ids = _selected_ids(request)
        if action == "export":
            fmt = (request.POST.get("format") or CSV).lower()
            ids_text = ",".join(str(i) for i in ids)
            return customers_export_response(access=access, filters={"ids": ids_text}, fmt=fmt)
        if action == "tag":
            done = _bulk_tag(access, ids, request.POST.get("tag", "").strip())
            messages.success(request, _("Tagged %(n)s customers.") % {"n": done})
        elif action == "release":
            done = bulk_action("release")(access=access, ids=ids, data=request.POST)
            messages.success(request, _("Released %(n)s customers to the pool.") % {"n": done})
        else:
            done = bulk_action("transfer")(access=access, ids=ids, data=request.POST)
            messages.success(request, _("Handed over %(n)s customers.") % {"n": done})
    except DomainError as exc:
        details = [str(e) for errors in exc.errors.values() for e in errors]
        messages.error(request, " ".join([exc.detail, *details]))
    return redirect(back)


# --- create / edit ----------------------------------------------------------------------------


def _form_errors(form: CustomerForm, exc: DomainError) -> int:
    """Put a service error on the form; the status to answer with (409 for a duplicate)."""
    if isinstance(exc, DuplicateCustomer):
        form.duplicate = exc.existing  # type: ignore[attr-defined]
        form.add_error(None, exc.detail)
        for field, messages in exc.errors.items():
            for message in messages:
                if field in form.fields:
                    form.add_error(field, message)
        return 409
    add_domain_errors(form, exc)
    return exc.status if exc.status in (403, 409) else 422


@store_page("customers.create")
@require_http_methods(["GET", "POST"])
def customer_create(request):
    access = request.store_access
    status = 200
    if request.method == "POST":
        form = CustomerForm(request.POST, access=access, store=request.tenant, creating=True)
        if form.is_valid():
            try:
                customer = services.customer_create(data=form.service_data(), access=access)
            except DomainError as exc:
                status = _form_errors(form, exc)
            else:
                return _htmx_redirect(request, reverse("customers:detail", args=[customer.pk]))
        else:
            status = 422
    else:
        form = CustomerForm(access=access, store=request.tenant, creating=True)
    context = {"form": form, "creating": True, "customer": None}
    template = "customers/_form.html" if request.htmx else "customers/form.html"
    return render(request, template, context, status=_status(request, status))


@store_page("customers.edit")
@require_http_methods(["GET", "POST"])
@_redirecting
def customer_edit(request, customer_id: int):
    access = request.store_access
    customer = _customer_or_404(request, customer_id)
    if not services.works_on(access=access, customer=customer):
        return render(
            request,
            "error.html",
            {"status": 403, "title": _("Only the owner, their supervisor or an admin may edit this customer.")},
            status=403,
        )
    status = 200
    if request.method == "POST":
        form = CustomerForm(request.POST, access=access, store=request.tenant, creating=False)
        if form.is_valid():
            try:
                services.customer_update(customer=customer, data=form.service_data(), access=access)
            except DomainError as exc:
                status = _form_errors(form, exc)
            else:
                return _htmx_redirect(request, reverse("customers:detail", args=[customer.pk]))
        else:
            status = 422
    else:
        form = CustomerForm(
            initial=CustomerForm.initial_for(customer), access=access, store=request.tenant, creating=False
        )
    context = {"form": form, "creating": False, "customer": customer}
    template = "customers/_form.html" if request.htmx else "customers/form.html"
    return render(request, template, context, status=_status(request, status))


# --- the 360° page ----------------------------------------------------------------------------


def _timeline_context(request, customer) -> dict:
    follow_ups = selectors.follow_up_list(customer=customer)
    page = Paginator(follow_ups, TIMELINE_SIZE).get_page(request.GET.get("page"))
    return {"customer": customer, "follow_ups": page.object_list, "timeline_page": page}


def _rights(access, customer) -> dict:
    works_on = services.works_on(access=access, customer=customer)
    return {
        "can_edit": access.can("customers.edit") and works_on,
        "can_follow_up": access.can("followups.create") and works_on,
        "can_release": access.can("pool.release") and customer.owner_id is not None and works_on,
        "can_claim": access.can("claims.create") and customer.owner_id is None and not access.read_only,
        "can_quote": access.can("quotations.create") and works_on,
        "can_order": access.can("orders.create") and works_on,
        "can_assign_task": access.can("tasks.assign") and not access.read_only,
    }


def _panel_list(summary: dict) -> list[dict]:
    """The summary's module panels, each with ``<key>/customer_panel.html`` when the module ships one."""
    panels = []
    for key, panel in summary["panels"].items():
        try:
            template = get_template(f"{key}/customer_panel.html").template.name
        except TemplateDoesNotExist:
            template = None
        panels.append({"key": key, "panel": panel, "template": template})
    return panels


@store_page("customers.view")
@require_GET
@_redirecting
def customer_detail(request, customer_id: int):
    access = request.store_access
    customer = _customer_or_404(request, customer_id)
    context = {
        **_timeline_context(request, customer),
        **_rights(access, customer),
        "summary": selectors.customer_summary(customer=customer),
        "follow_up_form": FollowUpForm(),
        "now": timezone.now(),
    }
    context["panels"] = _panel_list(context["summary"])
    if request.htmx and request.htmx.target == "timeline":
        return render(request, "customers/_timeline.html", context)
    return render(request, "customers/detail.html", context)


@store_page("followups.create")
@require_POST
@_redirecting
def follow_up_add(request, customer_id: int):
    """Record a follow-up from the 360° page; htmx gets the form and the timeline back."""
    access = request.store_access
    customer = _customer_or_404(request, customer_id)
    form = FollowUpForm(request.POST)
    status = 200
    added = False
    if form.is_valid():
        try:
            services.follow_up_add(
                customer=customer,
                access=access,
                kind=form.cleaned_data["kind"],
                content=form.cleaned_data["content"],
                outcome=form.cleaned_data["outcome"],
                next_follow_up_at=form.cleaned_data["next_follow_up_at"] or None,
                attachments=request.FILES.getlist("attachments"),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
            status = exc.status if exc.status in (403, 404, 409) else 422
        else:
            added = True
    else:
        status = 422
    if added and not request.htmx:
        return redirect("customers:detail", customer_id=customer.pk)
    customer = _customer_or_404(request, customer.pk)
    context = {
        **_timeline_context(request, customer),
        **_rights(access, customer),
        "follow_up_form": FollowUpForm() if added else form,
        "follow_up_added": added,
        "follow_up_count": selectors.follow_up_list(customer=customer).count() if added else None,
        "now": timezone.now(),
    }
    if request.htmx:
        return render(request, "customers/_follow_ups.html", context, status=_status(request, status))
    context["summary"] = selectors.customer_summary(customer=customer)
    context["panels"] = _panel_list(context["summary"])
    return render(request, "customers/detail.html", context, status=status)


@store_page("customers.view")
@require_GET
@_redirecting
def follow_up_attachment(request, customer_id: int, attachment_id: int):
    """A follow-up's file, to those who may see the customer."""
    from shared_apps.platform.uploads import file_response

    customer = _customer_or_404(request, customer_id)
    try:
        attachment = selectors.follow_up_attachment_get(customer=customer, attachment_id=attachment_id)
        return file_response(attachment)
    except NotFound:
        raise Http404 from None


# --- import -----------------------------------------------------------------------------------


def _mapping_context(staged, *, error: str = "", mapping: dict[str, str] | None = None) -> dict:
    selected = mapping if mapping is not None else staged.suggested
    return {
        "staged": staged,
        "columns": importing.COLUMNS,
        "mapping_rows": [
            {
                "index": index,
                "header": header,
                "samples": [sample[index] for sample in staged.samples if index < len(sample) and sample[index]],
                "selected": selected.get(header, ""),
            }
            for index, header in enumerate(staged.headers)
        ],
        "error": error,
        "action_url": reverse("customers:import"),
        "cancel_url": reverse("customers:import"),
    }


@store_page("customers.import")
@require_http_methods(["GET", "POST"])
def customer_import(request):
    """Step 1: upload a file; step 2: match its columns; then the result (or the job's progress)."""
    access = request.store_access
    context: dict = {
        "upload_form": ImportUploadForm(),
        "columns": importing.COLUMNS,
        "recent_imports": import_selectors.import_list_for_user(access=access, kind=importing.KIND)[:10],
    }
    status = 200
    step = request.POST.get("step") if request.method == "POST" else None
    partial = "customers/_import_upload.html"
    if step == "upload":
        form = ImportUploadForm(request.POST, request.FILES)
        context["upload_form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                check_upload_size(upload.size)
                staged = import_services.import_stage(kind=importing.KIND, file=upload, access=access)
            except DomainError as exc:
                form.add_error("file", exc.detail)
                status = exc.status
            else:
                context.update(_mapping_context(staged))
                partial = "imports/_mapping.html"
        else:
            status = 400
    elif step == "confirm":
        key = request.POST.get("key", "")
        try:
            staged = import_services.staged_import_get(key=key, access=access)
        except DomainError as exc:
            context["upload_error"] = exc.detail
            status = 400
        else:
            mapping = {header: request.POST.get(f"map-{index}", "") for index, header in enumerate(staged.headers)}
            try:
                job = import_services.import_start_staged(key=key, mapping=mapping, access=access)
            except DomainError as exc:
                context.update(_mapping_context(staged, error=exc.detail, mapping=mapping))
                partial = "imports/_mapping.html"
                status = exc.status
            else:
                if job.row_results is None:
                    return _htmx_redirect(request, reverse("imports:detail", args=[job.pk]))
                context.update(job_context(job, rows=job.row_results))
                partial = "customers/_import_done.html"
    context["partial"] = partial
    if request.htmx:
        return render(request, partial, context, status=_status(request, status))
    return render(request, "customers/import.html", context, status=status)


# --- the home panel and registration ----------------------------------------------------------


def my_follow_ups_panel(request) -> dict | None:
    """The home page's "My follow-ups": the user's due and overdue follow-ups, overdue first."""
    due = selectors.due_follow_ups(access=request.store_access)
    items = list(due[: HOME_PANEL_SIZE + 1])
    more = len(items) > HOME_PANEL_SIZE
    items = items[:HOME_PANEL_SIZE]
    access = request.store_access
    query = "in_pool=false" if not can_choose_owner(access) else "owner=me"
    return {
        "follow_ups": items,
        "total": due.count() if more else len(items),
        "now": timezone.now(),
        "list_url": f"{reverse('customers:list')}?{query}&ordering=next_follow_up_at",
    }


def register_pages() -> None:
    """The customers' navigation entry, their home panel and their importer (from ``ready()``)."""
    from shared_apps.platform.navigation import register_home_panel, register_nav

    register_list(CUSTOMER_LIST)

    register_nav(
        key="customers",
        label=gettext_lazy("Customers"),
        url_name="customers:list",
        permission="customers.view",
        icon="user-check",
        order=20,
    )
    register_home_panel(
        key="follow_ups",
        template="customers/_home_panel.html",
        context=my_follow_ups_panel,
        permission="followups.create",
        order=20,
    )
    importing.register()
