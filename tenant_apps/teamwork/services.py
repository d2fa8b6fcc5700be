"""Writes of the store's team work: announcements and their read receipts, work assignments and
daily reports. Everything is validated before anything is written; notifications are written in
the same transaction (their emails go out after commit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from tenant_apps.notifications.services import notify
from tenant_apps.teamwork import selectors
from tenant_apps.teamwork.error_codes import TeamworkErrorCode
from tenant_apps.teamwork.models import Announcement, AnnouncementReceipt, DailyReport, WorkTask
from tenant_apps.teamwork.signals import task_done

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 20_000
REPORT_FIELD_MAX_LENGTH = 5_000
MAX_PEOPLE = 1_000


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_title(errors: dict, title: str) -> None:
    if not title or len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("A title of 1 to %(max)d characters is required.") % {"max": TITLE_MAX_LENGTH}]


def _check_long(errors: dict, field: str, value: str, limit: int = TEXT_MAX_LENGTH) -> None:
    if len(value) > limit:
        errors[field] = [_("At most %(max)d characters.") % {"max": limit}]


# --- announcements ----------------------------------------------------------------------------


def _ids(values: Any) -> list[int] | None:
    if not isinstance(values, list | tuple):
        return None
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            number = int(value)
        except ValueError:
            return None
        if not 0 < number < 2**63:
            return None
        if number not in ids:
            ids.append(number)
    return ids


def announcement_create(
    *,
    access: StoreAccess,
    title: str,
    body: str = "",
    audience: str,
    roles: Iterable[str] | None = None,
    people: Iterable[int] | None = None,
) -> Announcement:
    """Post an announcement to everyone in the store, to the members with some roles, or to some
    members by user id. The recipients are fixed when it is posted (each gets a receipt and a
    notification); the author is not a recipient."""
    title = _text(title)
    body = _text(body)
    errors: dict[str, list[str]] = {}
    _check_title(errors, title)
    _check_long(errors, "body", body)
    roles = list(roles or [])
    people_ids = _ids(list(people or []))
    members = {m.user_id: m for m in selectors.store_members(store_id=access.store_id)}
    recipients: list[int] = []
    if audience == Announcement.Audience.EVERYONE:
        recipients = list(members)
        if roles or people_ids:
            errors["audience"] = [_("Roles or people are only given with the audience 'roles' or 'people'.")]
    elif audience == Announcement.Audience.ROLES:
        if not roles or any(role not in StoreRole.values for role in roles):
            errors["roles"] = [_("Choose one or more roles: %(roles)s.") % {"roles": ", ".join(StoreRole.values)}]
        roles = list(dict.fromkeys(roles))
        recipients = [uid for uid, m in members.items() if m.role in roles]
    elif audience == Announcement.Audience.PEOPLE:
        if not people_ids or len(people_ids) > MAX_PEOPLE:
            errors["people"] = [_("Choose 1 to %(max)d members of this store.") % {"max": MAX_PEOPLE}]
        else:
            unknown = [uid for uid in people_ids if uid not in members]
            if unknown:
                errors["people"] = [
                    _("Not an active member of this store: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
                ]
        recipients = [uid for uid in people_ids or [] if uid in members]
    else:
        errors["audience"] = [_("Choose everyone, roles or people.")]
    recipients = [uid for uid in recipients if uid != access.user.pk]
    if not errors and not recipients:
        errors["audience"] = [_("No one else in this store would receive it.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            title=title,
            body=body,
            audience=audience,
            roles=roles if audience == Announcement.Audience.ROLES else [],
            author_id=access.user.pk,
        )
        AnnouncementReceipt.objects.bulk_create(
            [AnnouncementReceipt(announcement=announcement, user_id=uid) for uid in recipients]
        )
        notify(
            recipients=recipients,
            kind="kanban.announcement",
            title=format_lazy(gettext_lazy("Announcement: {title}"), title=title),
            body=body[:500],
            url=reverse("teamwork:announcement", args=[announcement.pk]),
            data={"announcement": announcement.pk},
        )
    return announcement


def announcement_mark_read(*, access: StoreAccess, announcement_id: Any, at: datetime | None = None) -> Announcement:
    """Record that the caller read the announcement (the first time counts; repeating is harmless).

    A member it reaches by audience who joined after it was posted gets a receipt now."""
    announcement = selectors.announcement_get_for_user(announcement_id=announcement_id, access=access)
    if announcement.author_id == access.user.pk:
        return announcement
    at = at or timezone.now()
    with transaction.atomic():
        receipt, _created = AnnouncementReceipt.objects.get_or_create(
            announcement=announcement, user_id=access.user.pk, defaults={"read_at": at}
        )
        if receipt.read_at is None:
            AnnouncementReceipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=at)
    return selectors.announcement_get_for_user(announcement_id=announcement.pk, access=access)


# --- work assignments -------------------------------------------------------------------------

# Status changes a task may take. The assignee moves their work along; whoever assigns (the
# creator, or a supervisor or admin who sees the task) may also cancel and reopen.
ASSIGNEE_TRANSITIONS: dict[str, set[str]] = {
    WorkTask.Status.OPEN: {WorkTask.Status.IN_PROGRESS, WorkTask.Status.DONE},
    WorkTask.Status.IN_PROGRESS: {WorkTask.Status.OPEN, WorkTask.Status.DONE},
    WorkTask.Status.DONE: set(),
    WorkTask.Status.CANCELLED: set(),
}
MANAGER_TRANSITIONS: dict[str, set[str]] = {
    WorkTask.Status.OPEN: {WorkTask.Status.IN_PROGRESS, WorkTask.Status.DONE, WorkTask.Status.CANCELLED},
    WorkTask.Status.IN_PROGRESS: {WorkTask.Status.OPEN, WorkTask.Status.DONE, WorkTask.Status.CANCELLED},
    WorkTask.Status.DONE: {WorkTask.Status.OPEN, WorkTask.Status.IN_PROGRESS},
    WorkTask.Status.CANCELLED: {WorkTask.Status.OPEN},
}


def _task_url(task_id: int) -> str:
    return reverse("teamwork:task", args=[task_id])


def _check_assignee(errors: dict, *, access: StoreAccess, assignee_id: Any) -> int | None:
    ids = _ids([assignee_id])
    if not ids:
        errors["assignee"] = [_("Choose a member of this store.")]
        return None
    assignee_id = ids[0]
    if not selectors.store_members(store_id=access.store_id).filter(user_id=assignee_id).exists():
        errors["assignee"] = [_("Choose an active member of this store.")]
    elif not can_see_owner(access, assignee_id):
        errors["assignee"] = [_("You can only assign work to your own team.")]
    return assignee_id


def _check_due(errors: dict, due_date: Any, *, today: date) -> date | None:
    if due_date is None:
        return None
    if not isinstance(due_date, date):
        errors["due_date"] = [_("A date as YYYY-MM-DD.")]
        return None
    if due_date < today:
        errors["due_date"] = [_("The due date is in the past.")]
    return due_date


def is_task_manager(*, access: StoreAccess, task: WorkTask) -> bool:
    """The creator, or anyone allowed to assign work who sees the assignee's records."""
    if access.via_hq:
        return False
    if task.created_by_id == access.user.pk:
        return True
    return access.can("tasks.assign") and can_see_owner(access, task.assignee_id)


def task_create(
    *, access: StoreAccess, title: str, description: str = "", assignee_id: Any, due_date: date | None = None
) -> WorkTask:
    """Assign work to a member (a supervisor: their team or themselves; an admin: anyone)."""
    if not access.can("tasks.assign"):
        raise PermissionDenied(_("Only supervisors and admins assign work."))
    title = _text(title)
    description = _text(description)
    errors: dict[str, list[str]] = {}
    _check_title(errors, title)
    _check_long(errors, "description", description)
    assignee_id = _check_assignee(errors, access=access, assignee_id=assignee_id)
    due_date = _check_due(errors, due_date, today=selectors.local_today())
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        task = WorkTask.objects.create(
            title=title,
            description=description,
            assignee_id=assignee_id,
            created_by_id=access.user.pk,
            due_date=due_date,
        )
        if assignee_id != access.user.pk:
            notify(
                recipients=[assignee_id],
                kind="kanban.task_assigned",
                title=format_lazy(gettext_lazy("New work assignment: {title}"), title=title),
                body=format_lazy(gettext_lazy("Due {due}"), due=due_date.isoformat()) if due_date else "",
                url=_task_url(task.pk),
                data={"task": task.pk},
            )
    return task


UNSET: Any = object()


def task_update(
    *,
    access: StoreAccess,
    task_id: Any,
    status: str | None = None,
    title: str | None = None,
    description: str | None = None,
    due_date: Any = UNSET,
    assignee_id: Any = None,
) -> WorkTask:
    """Change a work assignment. The assignee changes its status (open, in progress, done); the
    creator or a supervisor/admin over the assignee may also cancel or reopen it and change its
    title, description, due date and assignee. A status it cannot move to is a 409."""
    task = selectors.task_get_for_user(task_id=task_id, access=access)
    manager = is_task_manager(access=access, task=task)
    is_assignee = task.assignee_id == access.user.pk and not access.via_hq
    editing = any(v is not None for v in (title, description, assignee_id)) or due_date is not UNSET
    if not (manager or is_assignee) or (editing and not manager):
        raise PermissionDenied(_("Only whoever assigned this work can change it; the assignee changes its status."))
    errors: dict[str, list[str]] = {}
    if status is not None and status not in WorkTask.Status.values:
        errors["status"] = [_("Choose from: %(values)s.") % {"values": ", ".join(WorkTask.Status.values)}]
    if title is not None:
        title = _text(title)
        _check_title(errors, title)
    if description is not None:
        description = _text(description)
        _check_long(errors, "description", description)
    if assignee_id is not None:
        assignee_id = _check_assignee(errors, access=access, assignee_id=assignee_id)
    if due_date is not UNSET:
        due_date = _check_due(errors, due_date, today=selectors.local_today())
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        task = WorkTask.objects.select_for_update().get(pk=task.pk)
        previous_status = task.status
        previous_assignee = task.assignee_id
        fields: list[str] = []
        if status is not None and status != task.status:
            allowed = MANAGER_TRANSITIONS if manager else ASSIGNEE_TRANSITIONS
            if status not in allowed[task.status]:
                raise InvalidTransition(
                    _("A work assignment that is %(current)s cannot become %(new)s.")
                    % {"current": WorkTask.Status(task.status).label, "new": WorkTask.Status(status).label},
                    code=TeamworkErrorCode.INVALID_TRANSITION,
                    errors={"status": [_("Not allowed from the current status.")]},
                )
            task.status = status
            task.completed_at = timezone.now() if status == WorkTask.Status.DONE else None
            fields += ["status", "completed_at"]
        for field, value in (("title", title), ("description", description), ("assignee_id", assignee_id)):
            if value is not None and getattr(task, field) != value:
                setattr(task, field, value)
                fields.append(field)
        if due_date is not UNSET and task.due_date != due_date:
            task.due_date = due_date
            fields.append("due_date")
        if fields:
            task.save(update_fields=[*fields, "updated_at"])
        _notify_task_change(
            task, by=access.user.pk, previous_status=previous_status, previous_assignee=previous_assignee
        )
        if task.status == WorkTask.Status.DONE and previous_status != WorkTask.Status.DONE:
            task_done.send(sender=WorkTask, task_id=task.pk, assignee_id=task.assignee_id, by=access.user.pk)
    return selectors.task_get_for_user(task_id=task.pk, access=access)


def _notify_task_change(task: WorkTask, *, by: int, previous_status: str, previous_assignee: int) -> None:
    url = _task_url(task.pk)
    if task.assignee_id != previous_assignee and task.assignee_id != by:
        notify(
            recipients=[task.assignee_id],
            kind="kanban.task_assigned",
            title=format_lazy(gettext_lazy("New work assignment: {title}"), title=task.title),
            url=url,
            data={"task": task.pk},
        )
    if task.status == previous_status:
        return
    if task.status == WorkTask.Status.DONE and task.created_by_id != by:
        notify(
            recipients=[task.created_by_id],
            kind="kanban.task_done",
            title=format_lazy(gettext_lazy("Work done: {title}"), title=task.title),
            url=url,
            data={"task": task.pk},
        )
    elif task.status == WorkTask.Status.CANCELLED and task.assignee_id != by:
        notify(
            recipients=[task.assignee_id],
            kind="kanban.task_cancelled",
            title=format_lazy(gettext_lazy("Work assignment cancelled: {title}"), title=task.title),
            url=url,
            data={"task": task.pk},
        )


# --- daily reports ----------------------------------------------------------------------------

REPORT_FIELDS = ("done_today", "plan_tomorrow", "problems")


def _report_recipients(*, access: StoreAccess) -> list[int]:
    """Who hears of a new daily report: the author's supervisor, else the store's admins."""
    members = selectors.store_members(store_id=access.store_id)
    own = members.filter(user_id=access.user.pk).first()
    if own is not None and own.supervisor_id and members.filter(user_id=own.supervisor_id).exists():
        return [own.supervisor_id]
    return [uid for uid in members.filter(role=StoreRole.ADMIN).values_list("user_id", flat=True)]


def report_submit(
    *,
    access: StoreAccess,
    done_today: str = "",
    plan_tomorrow: str = "",
    problems: str = "",
    at: datetime | None = None,
) -> tuple[DailyReport, bool]:
    """Write the caller's report of the store-local day at ``at`` (now): the first submission of
    the day creates it (and tells the supervisor), later ones the same day replace its content.
    Returns the report and whether it was created."""
    values = {"done_today": _text(done_today), "plan_tomorrow": _text(plan_tomorrow), "problems": _text(problems)}
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        _check_long(errors, field, value, REPORT_FIELD_MAX_LENGTH)
    if not any(values.values()):
        errors["done_today"] = [_("Write what you did today, your plan for tomorrow or your problems.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    day = selectors.local_today(at)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                report = DailyReport.objects.select_for_update().filter(author_id=access.user.pk, date=day).first()
                if report is not None:
                    for field, value in values.items():
                        setattr(report, field, value)
                    report.save(update_fields=[*values, "updated_at"])
                    return report, False
                report = DailyReport.objects.create(author_id=access.user.pk, date=day, **values)
                recipients = [uid for uid in _report_recipients(access=access) if uid != access.user.pk]
                notify(
                    recipients=recipients,
                    kind="kanban.daily_report",
                    title=format_lazy(
                        gettext_lazy("Daily report from {name} ({date})"),
                        name=access.user.display_name,
                        date=day.isoformat(),
                    ),
                    body=values["done_today"][:500],
                    url=reverse("teamwork:report", args=[report.pk]),
                    data={"report": report.pk},
                )
                return report, True
        except IntegrityError:  # the same person submitted twice at once: update the one made
            continue
    raise Conflict(_("Your report was being saved at the same time; please try again."))
