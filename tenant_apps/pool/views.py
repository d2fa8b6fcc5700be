"""Pages of the shared pool: the pool itself (with claims filed in place), claims and their
approval queue, the per-grade policies, and the release form the customer page embeds.

Thin views: reads through selectors, writes through services; a refused action is shown in the
form it came from (422 for htmx, which swaps it in place).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError, NotFound, ValidationFailed
from shared_apps.platform.listing import Column, ListSpec, register_list
from tenant_apps.customers.selectors import customer_get_for_user, tag_list
from tenant_apps.lists.selectors import list_state
from tenant_apps.pool import selectors, services
from tenant_apps.pool.policies import GRADES, OVERRIDABLE_FIELDS
from tenant_apps.workspace.selectors import channel_list

PER_PAGE = 50
GRADE_CHOICES = [("", gettext_lazy("All grades")), *[(g, g) for g in GRADES]]


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select", "data-autosubmit": "", **attrs})


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), required=False, choices=GRADE_CHOICES, widget=_select())
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False, widget=_select())
    tag = forms.ChoiceField(label=gettext_lazy("Tag"), required=False, widget=_select())
    province = forms.CharField(label=gettext_lazy("Province"), required=False, max_length=40)
    days_in_pool = forms.IntegerField(
        label=gettext_lazy("In the pool for at least (days)"), required=False, min_value=0, max_value=100_000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            ("", _("All channels")),
            *[(c.code, c.label) for c in channel_list()],
        ]
        self.fields["tag"].choices = [("", _("All tags")), *[(t.name, t.name) for t in tag_list()]]
        for name in ("q", "province", "days_in_pool"):
            self.fields[name].widget.attrs["class"] = "form-control"


POOL_LIST = register_list(
    ListSpec(
        key="pool",
        url_name="pool:list",
        columns=(
            Column("customer", gettext_lazy("Customer"), sort="name", required=True),
            Column("grade", gettext_lazy("Grade"), sort="grade"),
            Column("region", gettext_lazy("Region")),
            Column("channel", gettext_lazy("Channel")),
            Column("tags", gettext_lazy("Tags")),
            Column("released", gettext_lazy("In the pool since")),
            Column("pending", gettext_lazy("Pending claims")),
            Column("action", gettext_lazy("Action"), required=True),
        ),
        filter_keys=("q", "grade", "channel", "tag", "province", "days_in_pool"),
        permission="pool.view",
    )
)


def _page(request, qs):
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@store_page("pool.view")
def pool_list(request):
    access = request.store_access
    form = PoolFilterForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")} if form.is_valid() else {}
    if POOL_LIST.valid_ordering(request.GET.get("ordering", "")):  # another sort key is ignored
        filters["ordering"] = request.GET["ordering"]
    try:
        customers = selectors.pool_customers(access=access, filters=filters)
    except ValidationFailed:
        customers = selectors.pool_customers(access=access, filters={})
    page, filter_query = _page(request, customers)
    context = {
        "list": list_state(access=access, spec=POOL_LIST, params=request.GET),
        "form": form,
        "page": page,
        "customers": page.object_list,
        "filter_query": filter_query,
        "is_filtered": bool(filters),
        "can_claim": access.can("claims.create") and request.tenant.is_writable,
        "can_manage_policies": access.can("pool.policies.manage"),
    }
    if request.htmx and request.htmx.target == "pool-table":
        return render(request, "pool/_pool_table.html", context)
    return render(request, "pool/pool_list.html", context)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": gettext_lazy("A reason is required.")},
    )


def _form_with_error(form: forms.Form, exc: DomainError) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.errors or not any(field in form.fields for field in exc.errors):
        form.add_error(None, exc.detail)


def _pool_customer(access, customer_id):
    customer = selectors.pool_customers(access=access, filters={}).filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    return customer


def _fragment_or_page(request, fragment: str, context: dict, *, title: str, status: int = 200):
    """The form alone for htmx, or inside a page of its own for a plain link."""
    if request.htmx:
        return render(request, fragment, context, status=status)
    return render(request, "pool/form_page.html", {**context, "fragment": fragment, "title": title}, status=status)


@store_page("claims.create")
def claim_form(request, customer_id: int):
    """The claim form for one pool customer (an htmx fragment, or a page); POST files the claim."""
    access = request.store_access
    customer = selectors.pool_customers(access=access, filters={}).filter(pk=customer_id).first()
    if customer is None:
        if request.method != "POST":
            raise Http404
        try:  # owned meanwhile: the service says so in the form
            customer = customer_get_for_user(customer_id=customer_id, access=access)
        except NotFound:
            raise Http404 from None
    title = _("Claim %(name)s") % {"name": customer.name}
    form = ReasonForm(request.POST or None)
    if request.method != "POST":
        return _fragment_or_page(request, "pool/_claim_form.html", {"customer": customer, "form": form}, title=title)
    if form.is_valid():
        try:
            claim = services.claim_create(customer_id=customer.pk, access=access, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_with_error(form, exc)
        else:
            if request.htmx:
                return render(request, "pool/_claim_filed.html", {"customer": customer, "claim": claim})
            messages.success(request, _("Your claim was filed. A supervisor will decide on it."))
            return redirect("pool:claims")
    context = {"customer": customer, "form": form}
    return _fragment_or_page(request, "pool/_claim_form.html", context, title=title, status=422)


@store_page("claims.view")
def claims(request):
    access = request.store_access
    status = request.GET.get("status") or ""
    try:
        mine = selectors.claim_list(access=access, filters={"applicant": "me", "status": status})
    except ValidationFailed:
        status = ""
        mine = selectors.claim_list(access=access, filters={"applicant": "me"})
    page, filter_query = _page(request, mine)
    context = {
        "page": page,
        "my_claims": page.object_list,
        "filter_query": filter_query,
        "status": status,
        "status_choices": selectors.CLAIM_STATUS_CHOICES,
        "can_decide": access.can("claims.approve") and request.tenant.is_writable,
        "can_claim": access.can("claims.create") and request.tenant.is_writable,
    }
    if access.can("claims.approve"):
        context["queue"] = list(selectors.pending_claims_to_decide(access=access)[:200])
        context["recent_decisions"] = list(
            selectors.claim_list(access=access).exclude(status="pending").exclude(applicant_id=access.user.pk)[:20]
        )
    if request.htmx and request.htmx.target == "my-claims":
        return render(request, "pool/_my_claims.html", context)
    return render(request, "pool/claims.html", context)


def _queue_row(request, claim, *, error: str = "", status: int = 200):
    context = {"claim": claim, "error": error, "can_decide": True}
    response = render(request, "pool/_queue_row.html", context, status=status)
    response["HX-Trigger"] = "crm-counters"  # the sidebar's pending-claims badge follows
    return response


@require_POST
@store_page("claims.approve")
def claim_approve(request, claim_id: int):
    access = request.store_access
    claim = selectors.claim_get_for_user(claim_id=claim_id, access=access)
    error = ""
    try:
        services.claim_approve(claim_id=claim.pk, access=access)
    except DomainError as exc:
        error = exc.detail
    claim = selectors.claim_get_for_user(claim_id=claim.pk, access=access)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or _("The claim was approved."))
        return redirect("pool:claims")
    return _queue_row(request, claim, error=error, status=422 if error else 200)


@require_POST
@store_page("claims.approve")
def claim_reject(request, claim_id: int):
    access = request.store_access
    claim = selectors.claim_get_for_user(claim_id=claim_id, access=access)
    form = ReasonForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.claim_reject(claim_id=claim.pk, access=access, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            error = exc.detail
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    claim = selectors.claim_get_for_user(claim_id=claim.pk, access=access)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or _("The claim was rejected."))
        return redirect("pool:claims")
    return _queue_row(request, claim, error=error, status=422 if error else 200)


@require_POST
@store_page("claims.create")
def claim_cancel(request, claim_id: int):
    access = request.store_access
    claim = selectors.claim_get_for_user(claim_id=claim_id, access=access)
    try:
        services.claim_cancel(claim_id=claim.pk, access=access)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Your claim was withdrawn."))
    if request.htmx:
        response = render(request, "partials/messages.html")
        response["HX-Refresh"] = "true"
        return response
    return redirect("pool:claims")


class GradePoliciesForm(forms.Form):
    """One integer field per grade and rule; blank uses the store setting."""

    def __init__(self, *args, store_policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "grace_days": _("Grace period (days)"),
            "max_idle_days": _("Maximum idle days"),
            "return_visit_days": _("Return-visit deadline (days)"),
        }
        for grade in GRADES:
            for field in OVERRIDABLE_FIELDS:
                default = getattr(store_policy, field, "") if store_policy is not None else ""
                self.fields[f"{grade}_{field}"] = forms.IntegerField(
                    label=labels[field],
                    required=False,
                    widget=forms.NumberInput(attrs={"class": "form-control", "placeholder": default}),
                )

    def grades(self) -> dict:
        return {
            grade: {field: self.cleaned_data.get(f"{grade}_{field}") for field in OVERRIDABLE_FIELDS}
            for grade in GRADES
        }

    def rows(self):
        return [(grade, [self[f"{grade}_{field}"] for field in OVERRIDABLE_FIELDS]) for grade in GRADES]


@store_page("pool.policies.manage")
def policies(request):
    store_policy = selectors.pool_policies()[""]
    overrides = selectors.grade_overrides()
    initial = {f"{g}_{f}": overrides[g][f] for g in GRADES for f in OVERRIDABLE_FIELDS}
    saved = False
    status = 200
    if request.method == "POST":
        form = GradePoliciesForm(request.POST, store_policy=store_policy)
        if form.is_valid():
            try:
                services.grade_policies_update(grades=form.grades())
            except ValidationFailed as exc:
                for key, errors in exc.errors.items():
                    parts = key.split(".")
                    name = f"{parts[1]}_{parts[2]}" if len(parts) == 3 else None
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                saved = True
        if saved:
            if not request.htmx:
                messages.success(request, _("The grade rules were saved."))
                return redirect("pool:policies")
            overrides = selectors.grade_overrides()
            form = GradePoliciesForm(
                initial={f"{g}_{f}": overrides[g][f] for g in GRADES for f in OVERRIDABLE_FIELDS},
                store_policy=store_policy,
            )
        else:
            status = 422
    else:
        form = GradePoliciesForm(initial=initial, store_policy=store_policy)
    context = {"form": form, "saved": saved, "store_policy": store_policy}
    template = "pool/_policies_form.html" if request.htmx else "pool/policies.html"
    return render(request, template, context, status=status)


@store_page("pool.release")
def release_form(request, customer_id: int):
    """The release form of one customer (an htmx fragment the customer page may embed, or a page
    of its own); POST releases the customer to the pool."""
    access = request.store_access
    try:
        customer = customer_get_for_user(customer_id=customer_id, access=access)
    except NotFound:
        raise Http404 from None
    title = _("Release %(name)s") % {"name": customer.name}
    form = ReasonForm(request.POST or None)
    if request.method != "POST":
        return _fragment_or_page(request, "pool/_release_form.html", {"customer": customer, "form": form}, title=title)
    if form.is_valid():
        try:
            services.release_customer(customer_id=customer.pk, access=access, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_with_error(form, exc)
        else:
            if request.htmx:
                response = render(request, "pool/_released.html", {"customer": customer})
                response["HX-Trigger"] = "customer-released"
                return response
            messages.success(request, _("%(name)s was released to the shared pool.") % {"name": customer.name})
            return redirect(services.customer_url(customer.pk))
    context = {"customer": customer, "form": form}
    return _fragment_or_page(request, "pool/_release_form.html", context, title=title, status=422)


def customers_release(*, access, ids: list[int], reason: str) -> int:
    """The customer list's bulk "release to the pool": every selected customer, in one transaction
    (a refusal releases none)."""
    with transaction.atomic():
        for customer_id in ids:
            customer_get_for_user(customer_id=customer_id, access=access)
            services.release_customer(customer_id=customer_id, access=access, reason=reason)
    return len(ids)
