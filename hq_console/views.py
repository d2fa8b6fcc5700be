"""HQ console pages of store management: one store's domains and members, the company-wide
default policies, HQ announcements and the default automation rules. HQ executives read; HQ admins also change things.

Thin views: reads through selectors, writes through services; a refused change is shown in the
form it came from (422).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hq_console import backups, lifecycle, selectors, services
from hq_console.models import CompanyPolicy
from hq_reports.selectors import store_get, store_list
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.views import forbidden_page, hq_page
from shared_apps.platform.errors import DomainError, NotFound
from shared_apps.platform.policies import POLICY_FIELDS
from tenants.models import Store

PER_PAGE = 30


def _form_with_error(form: forms.Form, exc: DomainError) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.errors or not any(field in form.fields for field in exc.errors):
        form.add_error(None, exc.detail)


def _store(store_id: int) -> Store:
    try:
        return store_get(store_id=store_id)
    except NotFound:
        raise Http404 from None


def _admin_only(request):
    if not request.user.is_hq_admin:
        return forbidden_page(request, _("Only HQ admins can change this."))
    return None


# --- one store: domains and members -----------------------------------------------------------


class DomainForm(forms.Form):
    domain = forms.CharField(
        label=gettext_lazy("Domain"),
        max_length=services.DOMAIN_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "shop.example.com"}),
    )


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), widget=forms.EmailInput(attrs={"class": "form-control"}))
    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password (new users only)"),
        required=False,
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=StoreRole.choices, widget=forms.Select(attrs={"class": "form-select"})
    )


class MemberChangeForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=StoreRole.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    supervisor = forms.TypedChoiceField(
        label=gettext_lazy("Supervisor"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)

    def __init__(self, *args, supervisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [("", "—"), *[(str(m.user_id), m.user.display_name) for m in supervisors]]


def _store_context(request, store: Store, **forms_) -> dict:
    members = list(selectors.store_members(store=store))
    supervisors = [m for m in members if m.role == StoreRole.SUPERVISOR and m.is_active]
    return {
        "store": store,
        "domains": selectors.domain_list(store=store),
        "members": members,
        "role_choices": StoreRole.choices,
        "supervisors": supervisors,
        "can_edit": request.user.is_hq_admin,
        "domain_form": forms_.get("domain_form") or DomainForm(),
        "member_form": forms_.get("member_form") or MemberAddForm(),
        "change_error": forms_.get("change_error"),
        "backups": selectors.backup_list(store=store)[:15],
        "restores": selectors.restore_list(store=store)[:5],
        "exports": selectors.backup_list(store=store).filter(kind="export")[:5],
        "closures": selectors.closure_list(store=store)[:5],
        "open_closure": selectors.closure_list(store=store).filter(stage="closed").first(),
    }


@hq_page
def store_manage(request, store_id: int):
    store = _store(store_id)
    return render(request, "hq_console/manage_store.html", _store_context(request, store))


@require_POST
@hq_page
def store_domain_add(request, store_id: int):
    store = _store(store_id)
    if (refused := _admin_only(request)) is not None:
        return refused
    form = DomainForm(request.POST)
    if form.is_valid():
        try:
            services.domain_add(store=store, domain=form.cleaned_data["domain"])
        except DomainError as exc:
            _form_with_error(form, exc)
        else:
            messages.success(request, _("The domain was added."))
            return redirect("hq_console:manage-store", store.pk)
    return render(request, "hq_console/manage_store.html", _store_context(request, store, domain_form=form), status=422)


@require_POST
@hq_page
def store_domain_remove(request, store_id: int, domain_id: int):
    store = _store(store_id)
    if (refused := _admin_only(request)) is not None:
        return refused
    try:
        services.domain_remove(domain=selectors.domain_get(store=store, domain_id=domain_id))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The domain was removed."))
    return redirect("hq_console:manage-store", store.pk)


@require_POST
@hq_page
def store_member_add(request, store_id: int):
    store = _store(store_id)
    if (refused := _admin_only(request)) is not None:
        return refused
    form = MemberAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.member_add(
                store=store,
                email=data["email"],
                name=data["name"],
                password=data["password"] or None,
                role=data["role"],
            )
        except DomainError as exc:
            _form_with_error(form, exc)
        else:
            messages.success(request, _("The member was added."))
            return redirect("hq_console:manage-store", store.pk)
    return render(request, "hq_console/manage_store.html", _store_context(request, store, member_form=form), status=422)


@require_POST
@hq_page
def store_member_change(request, store_id: int, membership_id: int):
    store = _store(store_id)
    if (refused := _admin_only(request)) is not None:
        return refused
    try:
        membership = selectors.store_member_get(store=store, member_id=membership_id)
    except NotFound:
        raise Http404 from None
    supervisors = [m for m in selectors.store_members(store=store) if m.role == StoreRole.SUPERVISOR]
    form = MemberChangeForm(request.POST, supervisors=supervisors)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.member_change(
                membership=membership,
                role=data["role"],
                is_active=data["is_active"],
                supervisor_id=data["supervisor"],
            )
        except DomainError as exc:
            error = exc.detail
        else:
            messages.success(request, _("The membership was changed."))
            return redirect("hq_console:manage-store", store.pk)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    context = _store_context(request, store, change_error={"membership": membership.pk, "message": error})
    return render(request, "hq_console/manage_store.html", context, status=422)


# --- company-wide default policies ------------------------------------------------------------


class CompanyPolicyForm(forms.ModelForm):
    class Meta:
        model = CompanyPolicy
        fields = POLICY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


@hq_page
def policies(request):
    policy = selectors.company_policy_get()
    status = 200
    if request.method == "POST":
        if (refused := _admin_only(request)) is not None:
            return refused
        form = CompanyPolicyForm(request.POST, instance=policy)
        if form.is_valid():
            try:
                services.company_policy_update(
                    hq_user=request.user, **{name: form.cleaned_data[name] for name in POLICY_FIELDS}
                )
            except DomainError as exc:
                _form_with_error(form, exc)
            else:
                messages.success(request, _("The company policies were saved."))
                return redirect("hq_console:manage-policies")
        status = 422
    else:
        form = CompanyPolicyForm(instance=policy)
    context = {"form": form, "policy": policy, "can_edit": request.user.is_hq_admin}
    return render(request, "hq_console/manage_policies.html", context, status=status)


# --- HQ announcements -------------------------------------------------------------------------


class HqAnnouncementForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=services.TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        required=False,
        max_length=services.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )
    all_stores = forms.BooleanField(label=gettext_lazy("All stores"), required=False)
    stores = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Stores"),
        required=False,
        queryset=Store.objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stores"].queryset = store_list()


@hq_page
def announcements(request):
    form = HqAnnouncementForm()
    status = 200
    if request.method == "POST":
        if (refused := _admin_only(request)) is not None:
            return refused
        form = HqAnnouncementForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.hq_announcement_create(
                    title=data["title"],
                    body=data["body"],
                    hq_user=request.user,
                    all_stores=data["all_stores"],
                    store_ids=[store.pk for store in data["stores"]],
                )
            except DomainError as exc:
                _form_with_error(form, exc)
            else:
                messages.success(request, _("The announcement was sent to the stores."))
                return redirect("hq_console:manage-announcements")
        status = 422
    page = Paginator(selectors.hq_announcement_list(), PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "announcements": page.object_list, "can_edit": request.user.is_hq_admin}
    return render(request, "hq_console/manage_announcements.html", context, status=status)


@hq_page
def sign_ins(request):
    """Sign-ins to the HQ host and failures, with the filters of a store's sign-in page (HQ admins)."""
    from tenant_apps.audit import filters
    from tenant_apps.audit.views import filtered_page

    if not request.user.is_hq_admin:
        return forbidden_page(request)
    context = filtered_page(request, filters.SIGN_IN_FILTERS, filters.sign_in_filters, selectors.hq_sign_ins)
    context["hq_host"] = True
    return render(request, "audit/sign_ins.html", context)


def register_pages() -> None:
    from shared_apps.platform.navigation import HQ, register_nav

    register_nav(
        key="policies",
        label=gettext_lazy("Company policies"),
        url_name="hq_console:manage-policies",
        area=HQ,
        icon="sliders",
        order=40,
    )
    register_nav(
        key="hq_announcements",
        label=gettext_lazy("HQ announcements"),
        url_name="hq_console:manage-announcements",
        area=HQ,
        icon="message-square",
        order=45,
    )
    register_nav(
        key="hq_default_rules",
        label=gettext_lazy("Default automation rules"),
        url_name="hq_console:default-rules",
        area=HQ,
        icon="alert-triangle",
        order=47,
    )
    register_nav(
        key="hq_sign_ins",
        label=gettext_lazy("Sign-ins to HQ"),
        url_name="hq_console:sign-ins",
        area=HQ,
        icon="log-in",
        order=50,
        permission="hq.admin",
    )


@require_POST
@hq_page
def store_backup_now(request, store_id: int):
    store = _store(store_id)
    refused = _admin_only(request)
    if refused is not None:
        return refused
    try:
        backups.backup_start(store=store)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The backup has started."))
    return redirect("hq_console:manage-store", store_id=store.pk)


def _lifecycle_action(request, store_id: int, action, done_message):
    store = _store(store_id)
    refused = _admin_only(request)
    if refused is not None:
        return refused
    try:
        action(store)
    except DomainError as exc:
        messages.error(request, exc.detail)
    except Exception as exc:  # noqa: BLE001 - a failed backup is shown, not a 500
        messages.error(request, _("The final backup failed; the store stays open: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, done_message)
    return redirect("hq_console:manage-store", store_id=store.pk)


@require_POST
@hq_page
def store_export(request, store_id: int):
    return _lifecycle_action(
        request, store_id, lambda store: lifecycle.export_start(store=store), _("The export has started.")
    )


@require_POST
@hq_page
def store_close(request, store_id: int):
    return _lifecycle_action(
        request,
        store_id,
        lambda store: lifecycle.close_store(store=store, hq_user=request.user),
        _("The store is closed and read-only; its schema is dropped after the grace period unless it is reopened."),
    )


@require_POST
@hq_page
def store_reopen(request, store_id: int):
    return _lifecycle_action(
        request, store_id, lambda store: lifecycle.reopen_store(store=store), _("The store is open again.")
    )


# --- default automation rules -------------------------------------------------------------------


def _rule_template_rows() -> list[dict]:
    """The ready-made rules HQ can publish, each with its parameters (label, kind, bounds)."""
    from tenant_apps.automation import templates as rule_templates

    return [
        {
            "key": template.key,
            "label": template.label,
            "description": template.description,
            "params": [
                {
                    "name": param.name,
                    "label": param.label,
                    "default": param.default,
                    "minimum": param.minimum,
                    "maximum": param.maximum,
                    "choices": list(param.choices),
                }
                for param in template.params
            ],
        }
        for template in rule_templates.TEMPLATES
    ]


def _posted_params(post, template_key: str) -> dict:
    for row in _rule_template_rows():
        if row["key"] == template_key:
            return {
                param["name"]: post.get(f"params.{param['name']}", "").strip()
                for param in row["params"]
                if post.get(f"params.{param['name']}", "").strip() != ""
            }
    return {}


def _rule_rows(rules) -> list[dict]:
    by_key = {row["key"]: row for row in _rule_template_rows()}
    rows = []
    for rule in rules:
        template = by_key.get(rule.template)
        values = {**{p["name"]: p["default"] for p in template["params"]}, **rule.params} if template else rule.params
        rows.append(
            {
                "rule": rule,
                "template": template,
                "params": [
                    {**param, "value": values.get(param["name"])} for param in (template["params"] if template else [])
                ],
            }
        )
    return rows


STORE_NAMES_SHOWN = 30


def _inheriting_stores() -> dict:
    """Every store inherits HQ's default rules: how many, and the first names to show."""
    stores = store_list()
    return {
        "store_count": stores.count(),
        "store_names": list(stores.values_list("name", flat=True)[:STORE_NAMES_SHOWN]),
    }


def _default_rules_context(request, **extra) -> dict:
    return {
        "rows": _rule_rows(selectors.default_rules()),
        "rule_templates": _rule_template_rows(),
        **_inheriting_stores(),
        "can_edit": request.user.is_hq_admin,
        "errors": {},
        "general_errors": [],
        "posted": {"active": True},
        **extra,
    }


def _rule_errors(exc: DomainError) -> tuple[dict, list]:
    """Errors of the form's fields by name (``params.hours`` included) and the others."""
    fields = {
        key: lines for key, lines in exc.errors.items() if key in ("name", "template") or key.startswith("params.")
    }
    general = [line for key, lines in exc.errors.items() if key not in fields for line in lines]
    return fields, general or ([] if exc.errors else [exc.detail])


@hq_page
def default_rules(request):
    """HQ's default automation rules, which every store inherits: add one, switch one on or off."""
    extra: dict = {}
    status = 200
    if request.method == "POST":
        if (refused := _admin_only(request)) is not None:
            return refused
        action = request.POST.get("action", "add")
        try:
            if action in ("enable", "disable"):
                rule = selectors.default_rule_get(rule_id=request.POST.get("rule"))
                services.default_rule_update(rule=rule, hq_user=request.user, changes={"active": action == "enable"})
                done = (
                    _("The default rule was switched on.")
                    if action == "enable"
                    else _("The default rule was switched off.")
                )
            else:
                template = request.POST.get("template", "")
                services.default_rule_create(
                    hq_user=request.user,
                    name=request.POST.get("name", ""),
                    template=template,
                    params=_posted_params(request.POST, template),
                    active=request.POST.get("active") == "1",
                )
                done = _("The default rule was added; every store follows it.")
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            status = 422
            extra["errors"], extra["general_errors"] = _rule_errors(exc)
            if action not in ("enable", "disable"):
                extra["posted"] = {
                    "name": request.POST.get("name", ""),
                    "template": request.POST.get("template", ""),
                    "active": request.POST.get("active") == "1",
                    "params": {k: v for k, v in request.POST.items() if k.startswith("params.")},
                }
        else:
            messages.success(request, done)
            return redirect("hq_console:default-rules")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "hq_console/default_rules.html", _default_rules_context(request, **extra), status=status)


@hq_page
def default_rule(request, rule_id: int):
    """One default rule: its name, parameters and whether it is on (HQ admins change them)."""
    try:
        rule = selectors.default_rule_get(rule_id=rule_id)
    except NotFound:
        raise Http404 from None
    errors: dict = {}
    general_errors: list = []
    status = 200
    posted: dict = {}
    if request.method == "POST":
        if (refused := _admin_only(request)) is not None:
            return refused
        changes = {
            "name": request.POST.get("name", ""),
            "params": _posted_params(request.POST, rule.template),
            "active": request.POST.get("active") == "1",
        }
        try:
            services.default_rule_update(rule=rule, hq_user=request.user, changes=changes)
        except DomainError as exc:
            errors, general_errors = _rule_errors(exc)
            status = 422
            posted = {k: v for k, v in request.POST.items() if k.startswith("params.")}
            rule.refresh_from_db()
        else:
            messages.success(request, _("The default rule was saved."))
            return redirect("hq_console:default-rules")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    (row,) = _rule_rows([rule])
    if status == 422:
        row["params"] = [
            {
                **param,
                "value": posted.get(f"params.{param['name']}", ""),
                "error": errors.get(f"params.{param['name']}"),
            }
            for param in row["params"]
        ]
        rule.name = request.POST.get("name", "")
        rule.active = request.POST.get("active") == "1"
    context = {
        "row": row,
        "read_only": not request.user.is_hq_admin,
        **_inheriting_stores(),
        "can_edit": request.user.is_hq_admin,
        "errors": errors,
        "general_errors": general_errors,
    }
    return render(request, "hq_console/default_rule.html", context, status=status)


@hq_page
def default_rule_delete(request, rule_id: int):
    """Delete a default rule (HQ admins): GET asks for confirmation, POST deletes. Stores that follow
    it stop running their copy (its run log stays); a store that changed its copy keeps it as its own."""
    try:
        rule = selectors.default_rule_get(rule_id=rule_id)
    except NotFound:
        raise Http404 from None
    if (refused := _admin_only(request)) is not None:
        return refused
    if request.method == "POST":
        services.default_rule_delete(rule=rule)
        messages.success(
            request, _("The default rule %(name)s was deleted; stores stop running it.") % {"name": rule.name}
        )
        return redirect("hq_console:default-rules")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    (row,) = _rule_rows([rule])
    return render(request, "hq_console/default_rule_delete.html", {"row": row, **_inheriting_stores()})
