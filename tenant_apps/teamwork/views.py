"""Pages of the team's work: announcements (with read receipts), work assignments and daily
reports, plus the home panel "My tasks and announcements".

Thin views: reads through selectors, writes through services; a refused action is shown in the
form it came from (422, which htmx swaps in place).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shared_apps.accounts.access import visible_owner_ids
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.views import store_page
from shared_apps.platform.dates import DayField
from shared_apps.platform.errors import DomainError, NotFound, ValidationFailed
from shared_apps.platform.listing import Column, ListSpec, register_list
from tenant_apps.lists.selectors import list_state
from tenant_apps.teamwork import selectors, services
from tenant_apps.teamwork.models import Announcement, WorkTask

PER_PAGE = 30


def _page(request, items):
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _form_with_error(form: forms.Form, exc: DomainError) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.errors or not any(field in form.fields for field in exc.errors):
        form.add_error(None, exc.detail)


def _writable(request) -> bool:
    return request.tenant.is_writable and not request.store_access.via_hq


def _member_choices(request, *, team_only: bool) -> list[tuple[str, str]]:
    access = request.store_access
    members = selectors.store_members(store_id=access.store_id)
    if team_only:
        owners = visible_owner_ids(access)
        if owners is not None:
            members = members.filter(user_id__in=owners)
    return [(str(m.user_id), m.user.display_name) for m in members]


def _text_input(**attrs):
    return forms.TextInput(attrs={"class": "form-control", **attrs})


def _textarea(rows=3):
    return forms.Textarea(attrs={"class": "form-control", "rows": rows})


# --- announcements ----------------------------------------------------------------------------


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.TITLE_MAX_LENGTH, widget=_text_input())
    body = forms.CharField(
        label=gettext_lazy("Message"), required=False, max_length=services.TEXT_MAX_LENGTH, widget=_textarea(4)
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Recipients"),
        choices=Announcement.Audience.choices,
        widget=forms.RadioSelect,
        initial=Announcement.Audience.EVERYONE,
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"), required=False, choices=StoreRole.choices, widget=forms.CheckboxSelectMultiple
    )
    people = forms.MultipleChoiceField(
        label=gettext_lazy("People"),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
    )

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = list(people_choices)


def _announcement_form(request, data=None) -> AnnouncementForm:
    return AnnouncementForm(data, people_choices=_member_choices(request, team_only=False))


@store_page("announcements.view")
def announcements(request):
    access = request.store_access
    source = request.GET.get("source") or ""
    filters = {"source": source} if source in (selectors.SOURCE_STORE, selectors.SOURCE_HQ) else {}
    page, filter_query = _page(request, selectors.announcement_feed(access=access, filters=filters))
    can_post = access.can("announcements.manage") and _writable(request)
    form = _announcement_form(request) if can_post else None
    status = 200
    if request.method == "POST":
        if not can_post:
            raise Http404
        form = _announcement_form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                announcement = services.announcement_create(
                    access=access,
                    title=data["title"],
                    body=data["body"],
                    audience=data["audience"],
                    roles=data["roles"] if data["audience"] == Announcement.Audience.ROLES else [],
                    people=data["people"] if data["audience"] == Announcement.Audience.PEOPLE else [],
                )
            except DomainError as exc:
                _form_with_error(form, exc)
            else:
                messages.success(request, _("The announcement was posted."))
                return redirect("teamwork:announcement", announcement.pk)
        status = 422
    context = {
        "page": page,
        "items": page.object_list,
        "filter_query": filter_query,
        "source": source,
        "form": form,
    }
    return render(request, "teamwork/announcements.html", context, status=status)


@store_page("announcements.view")
def announcement_detail(request, announcement_id: int):
    access = request.store_access
    try:
        announcement = selectors.announcement_get_for_user(announcement_id=announcement_id, access=access)
    except NotFound:
        raise Http404 from None
    receipts = None
    if selectors.can_see_receipts(access=access, announcement=announcement):
        receipts = selectors.announcement_receipts(announcement=announcement, access=access)
    context = {
        "announcement": announcement,
        "receipts": receipts,
        "read_count": sum(1 for r in receipts or [] if r.read_at is not None),
        "can_mark_read": not announcement.is_read and _writable(request),
    }
    return render(request, "teamwork/announcement_detail.html", context)


@require_POST
@store_page("announcements.view")
def announcement_read(request, announcement_id: int):
    try:
        announcement = services.announcement_mark_read(access=request.store_access, announcement_id=announcement_id)
    except NotFound:
        raise Http404 from None
    if request.htmx:
        return render(request, "teamwork/_read_state.html", {"announcement": announcement})
    return redirect("teamwork:announcement", announcement.pk)


# --- work assignments -------------------------------------------------------------------------


TASK_LIST = register_list(
    ListSpec(
        key="tasks",
        url_name="teamwork:tasks",
        columns=(
            Column("title", gettext_lazy("Title"), required=True),
            Column("assignee", gettext_lazy("Assignee")),
            Column("created_by", gettext_lazy("Assigned by")),
            Column("due_date", gettext_lazy("Due date"), sort="due_date"),
            Column("status", gettext_lazy("Status")),
            Column("created", gettext_lazy("Created"), sort="created_at", default=False),
        ),
        filter_keys=("status", "due", "assignee"),
        permission="tasks.view",
    )
)


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *WorkTask.Status.choices],
        widget=forms.Select(attrs={"class": "form-select", "data-autosubmit": ""}),
    )
    due = forms.ChoiceField(
        label=gettext_lazy("Due"),
        required=False,
        choices=[
            ("", gettext_lazy("Any time")),
            ("overdue", gettext_lazy("Overdue")),
            ("today", gettext_lazy("Due today")),
            ("upcoming", gettext_lazy("Upcoming")),
        ],
        widget=forms.Select(attrs={"class": "form-select", "data-autosubmit": ""}),
    )
    assignee = forms.ChoiceField(
        label=gettext_lazy("Assignee"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select", "data-autosubmit": ""}),
    )

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Everyone I can see")), ("me", _("Me")), *people_choices]


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.TITLE_MAX_LENGTH, widget=_text_input())
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=services.TEXT_MAX_LENGTH, widget=_textarea()
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Assignee"), widget=forms.Select(attrs={"class": "form-select"}))
    due_date = DayField(
        label=gettext_lazy("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—"), *people_choices]


def _task_initial(request) -> dict:
    """``?customer=<id>`` (the 360° page's "new task"): a task about that customer, for its owner."""
    customer_id = request.GET.get("customer", "")
    if not customer_id.isdigit():
        return {}
    from tenant_apps.customers.selectors import customer_get_for_user

    try:
        customer = customer_get_for_user(customer_id=int(customer_id), access=request.store_access)
    except NotFound:
        return {}
    link = request.build_absolute_uri(reverse("customers:detail", args=[customer.pk]))
    return {
        "title": _("Follow up %(name)s") % {"name": customer.name},
        "description": f"{customer.name}: {link}",
        "assignee": str(customer.owner_id or ""),
    }


@store_page("tasks.view")
def tasks(request):
    access = request.store_access
    can_assign = access.can("tasks.assign") and _writable(request)
    people = _member_choices(request, team_only=True) if access.can("tasks.assign") else []
    filter_form = TaskFilterForm(request.GET or None, people_choices=people)
    filters = {k: v for k, v in filter_form.cleaned_data.items() if v} if filter_form.is_valid() else {}
    if TASK_LIST.valid_ordering(request.GET.get("ordering", "")):  # another sort key is ignored
        filters["ordering"] = request.GET["ordering"]
    try:
        task_qs = selectors.task_list(access=access, filters=filters)
    except ValidationFailed:
        task_qs = selectors.task_list(access=access)
    form = TaskForm(people_choices=people, initial=_task_initial(request)) if can_assign else None
    status = 200
    if request.method == "POST":
        if not can_assign:
            raise Http404
        form = TaskForm(request.POST, people_choices=people)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.task_create(
                    access=access,
                    title=data["title"],
                    description=data["description"],
                    assignee_id=data["assignee"],
                    due_date=data["due_date"],
                )
            except DomainError as exc:
                _form_with_error(form, exc)
            else:
                messages.success(request, _("The work was assigned."))
                return redirect("teamwork:task", task.pk)
        status = 422
    page, filter_query = _page(request, task_qs)
    context = {
        "list": list_state(access=access, spec=TASK_LIST, params=request.GET),
        "filter_form": filter_form,
        "page": page,
        "tasks": page.object_list,
        "filter_query": filter_query,
        "form": form,
    }
    if request.htmx and request.htmx.target == "task-table":
        return render(request, "teamwork/_task_table.html", context)
    return render(request, "teamwork/tasks.html", context, status=status)


def _task_actions(request, task: WorkTask) -> list[tuple[str, str]]:
    """The status changes the caller may make on ``task``, as (status, label)."""
    if not _writable(request):
        return []
    access = request.store_access
    if services.is_task_manager(access=access, task=task):
        allowed = services.MANAGER_TRANSITIONS[task.status]
    elif task.assignee_id == access.user.pk:
        allowed = services.ASSIGNEE_TRANSITIONS[task.status]
    else:
        allowed = set()
    return [(value, label) for value, label in WorkTask.Status.choices if value in allowed]


@store_page("tasks.view")
def task_detail(request, task_id: int):
    try:
        task = selectors.task_get_for_user(task_id=task_id, access=request.store_access)
    except NotFound:
        raise Http404 from None
    return render(request, "teamwork/task_detail.html", {"task": task, "actions": _task_actions(request, task)})


@require_POST
@store_page("tasks.view")
def task_status(request, task_id: int):
    access = request.store_access
    try:
        task = selectors.task_get_for_user(task_id=task_id, access=access)
    except NotFound:
        raise Http404 from None
    error = None
    try:
        task = services.task_update(access=access, task_id=task.pk, status=request.POST.get("status") or None)
    except DomainError as exc:
        error = exc.detail
    context = {"task": task, "actions": _task_actions(request, task), "error": error}
    if request.htmx:
        return render(request, "teamwork/_task_status.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("teamwork:task", task.pk)


# --- daily reports ----------------------------------------------------------------------------


class ReportForm(forms.Form):
    done_today = forms.CharField(
        label=gettext_lazy("Done today"),
        required=False,
        max_length=services.REPORT_FIELD_MAX_LENGTH,
        widget=_textarea(4),
    )
    plan_tomorrow = forms.CharField(
        label=gettext_lazy("Plan for tomorrow"),
        required=False,
        max_length=services.REPORT_FIELD_MAX_LENGTH,
        widget=_textarea(3),
    )
    problems = forms.CharField(
        label=gettext_lazy("Problems"), required=False, max_length=services.REPORT_FIELD_MAX_LENGTH, widget=_textarea(2)
    )


class ReportFilterForm(forms.Form):
    date_from = DayField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )
    date_to = DayField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )
    author = forms.ChoiceField(
        label=gettext_lazy("Author"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author"].choices = [("", _("Everyone I can see")), ("me", _("Me")), *people_choices]


@store_page("reports.view")
def reports(request):
    access = request.store_access
    can_write = access.can("reports.create") and _writable(request)
    people = _member_choices(request, team_only=True) if access.can("reports.team.view") else []
    filter_form = ReportFilterForm(request.GET or None, people_choices=people)
    filters = {k: v for k, v in filter_form.cleaned_data.items() if v} if filter_form.is_valid() else {}
    try:
        report_qs = selectors.report_list(access=access, filters={k: str(v) for k, v in filters.items()})
    except ValidationFailed:
        report_qs = selectors.report_list(access=access)
    today_report = selectors.my_report_for(access=access) if can_write else None
    form = None
    status = 200
    if can_write:
        initial = {f: getattr(today_report, f) for f in services.REPORT_FIELDS} if today_report else None
        form = ReportForm(initial=initial)
    if request.method == "POST":
        if not can_write:
            raise Http404
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                _report, created = services.report_submit(access=access, **form.cleaned_data)
            except DomainError as exc:
                _form_with_error(form, exc)
            else:
                messages.success(
                    request, _("Your daily report was sent.") if created else _("Your daily report was updated.")
                )
                return redirect("teamwork:reports")
        status = 422
    page, filter_query = _page(request, report_qs)
    context = {
        "filter_form": filter_form,
        "page": page,
        "reports": page.object_list,
        "filter_query": filter_query,
        "form": form,
        "today_report": today_report,
        "today": selectors.local_today(),
    }
    return render(request, "teamwork/reports.html", context, status=status)


@store_page("reports.view")
def report_detail(request, report_id: int):
    try:
        report = selectors.report_get_for_user(report_id=report_id, access=request.store_access)
    except NotFound:
        raise Http404 from None
    return render(request, "teamwork/report_detail.html", {"report": report})


# --- home panel and navigation ----------------------------------------------------------------

HOME_PANEL_SIZE = 5


def team_work_panel(request) -> dict | None:
    """The home panel: the caller's open work assignments and unread announcements."""
    access = request.store_access
    if access.via_hq:
        return None
    open_tasks = selectors.my_open_tasks(access=access)
    unread = selectors.announcement_list(access=access, filters={"unread": "true"})
    return {
        "tasks": list(open_tasks[:HOME_PANEL_SIZE]),
        "task_total": open_tasks.count(),
        "announcements": list(unread[:HOME_PANEL_SIZE]),
        "unread_total": unread.count(),
    }


def unread_badge(request) -> int | None:
    access = getattr(request, "store_access", None)
    if access is None or access.via_hq or not access.can("announcements.view"):
        return None
    return selectors.unread_announcement_count(access=access) or None


def open_tasks_badge(request) -> int | None:
    access = getattr(request, "store_access", None)
    if access is None or access.via_hq or not access.can("tasks.view"):
        return None
    return selectors.my_open_tasks(access=access).count() or None


def register_pages() -> None:
    from shared_apps.platform.navigation import register_home_panel, register_nav

    register_nav(
        key="announcements",
        label=gettext_lazy("Announcements"),
        url_name="teamwork:announcements",
        permission="announcements.view",
        icon="message-square",
        order=70,
        badge=unread_badge,
    )
    register_nav(
        key="tasks",
        label=gettext_lazy("Work assignments"),
        url_name="teamwork:tasks",
        permission="tasks.view",
        icon="clipboard",
        order=72,
        badge=open_tasks_badge,
    )
    register_nav(
        key="reports",
        label=gettext_lazy("Daily reports"),
        url_name="teamwork:reports",
        permission="reports.view",
        icon="file-text",
        order=74,
    )
    register_home_panel(
        key="team_work",
        template="teamwork/_home_panel.html",
        context=team_work_panel,
        permission="tasks.view",
        order=30,
    )
