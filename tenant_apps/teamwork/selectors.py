"""Reads of announcements, work assignments and daily reports, scoped to the caller.

- Announcements: a member lists those addressed to them and those they wrote (HQ's read-only
  visitors see all); the receipts of one are for its author and the store's admins.
- Work assignments: a member sees those assigned to them or by them; who may assign also sees
  their team's (a supervisor) or the whole store's (an admin).
- Daily reports: a member sees their own; ``reports.team.view`` adds the team's (a supervisor)
  or the whole store's (an admin).

"Does not exist" and "not yours" are the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import BooleanField as BooleanValue
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from hq_console.selectors import hq_announcements_for_store
from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.dates import day_in_range, out_of_range_message
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.teamwork.models import Announcement, AnnouncementReceipt, DailyReport, WorkTask
from tenants.storetime import store_zone

OPEN_STATUSES = (WorkTask.Status.OPEN, WorkTask.Status.IN_PROGRESS)
SOURCE_STORE = "store"
SOURCE_HQ = "hq"


def local_today(at: datetime | None = None) -> date:
    """The store's calendar date at ``at`` (now by default)."""
    return timezone.localtime(at or timezone.now(), store_zone()).date()


def _id(value: Any, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound(message) from None
    if not 0 < number < 2**63:
        raise NotFound(message)
    return number


def _user_filter(value: Any, access: StoreAccess, field: str) -> int:
    if value == "me":
        return access.user.pk
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Invalid filter."), errors={field: [_("A user id, or `me`.")]}) from None
    if not 0 < number < 2**63:
        raise ValidationFailed(_("Invalid filter."), errors={field: [_("A user id, or `me`.")]})
    return number


def _date_filter(value: Any, field: str) -> date:
    parsed = None
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("Invalid filter."), errors={field: [_("A date as YYYY-MM-DD.")]})
    if not day_in_range(parsed):
        raise ValidationFailed(_("Invalid filter."), errors={field: [out_of_range_message()]})
    return parsed


def _bool_filter(value: Any, field: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise ValidationFailed(_("Invalid filter."), errors={field: [_("true or false.")]})


def store_members(*, store_id: int) -> QuerySet:
    """Active memberships of the store, with their users."""
    return member_list(store=store_id).filter(is_active=True, user__is_active=True)


# --- announcements ----------------------------------------------------------------------------


def _announcements_visible(access: StoreAccess) -> QuerySet[Announcement]:
    qs = Announcement.objects.all()
    if access.via_hq:
        return qs
    user_id = access.user.pk
    addressed = AnnouncementReceipt.objects.filter(user_id=user_id).values("announcement_id")
    condition = Q(author_id=user_id) | Q(pk__in=addressed) | Q(audience=Announcement.Audience.EVERYONE)
    if access.role:
        condition |= Q(audience=Announcement.Audience.ROLES, roles__contains=[access.role])
    return qs.filter(condition)


def announcement_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Announcement]:
    """The store's announcements the caller may read, newest first, with ``is_read`` for the caller."""
    filters = filters or {}
    read = AnnouncementReceipt.objects.filter(
        announcement_id=OuterRef("pk"), user_id=access.user.pk, read_at__isnull=False
    )
    qs = _announcements_visible(access).annotate(
        is_read=Case(
            When(author_id=access.user.pk, then=Value(True)),
            default=Exists(read),
            output_field=BooleanValue(),
        )
    )
    if filters.get("unread") not in (None, ""):
        qs = qs.filter(is_read=not _bool_filter(filters["unread"], "unread"))
    if filters.get("author") not in (None, ""):
        qs = qs.filter(author_id=_user_filter(filters["author"], access, "author"))
    return qs.select_related("author").order_by("-created_at", "-pk")


def announcement_get_for_user(*, announcement_id: Any, access: StoreAccess) -> Announcement:
    message = _("No such announcement.")
    announcement = announcement_list(access=access).filter(pk=_id(announcement_id, message)).first()
    if announcement is None:
        raise NotFound(message)
    return announcement


def can_see_receipts(*, access: StoreAccess, announcement: Announcement) -> bool:
    return access.via_hq or announcement.author_id == access.user.pk or access.has_role(StoreRole.ADMIN)


@dataclass(frozen=True)
class ReceiptRow:
    user_id: int
    name: str
    email: str
    read_at: datetime | None


def announcement_receipts(*, announcement: Announcement, access: StoreAccess) -> list[ReceiptRow]:
    """Who was addressed and when each read it (``read_at`` null: not yet), read ones first.

    For the author, the store's admins and HQ visitors; anyone else gets the same 404 as for an
    announcement they cannot see.
    """
    if not can_see_receipts(access=access, announcement=announcement):
        raise NotFound(_("No such announcement."))
    receipts = AnnouncementReceipt.objects.filter(announcement=announcement).select_related("user")
    rows = [ReceiptRow(user_id=r.user_id, name=r.user.name, email=r.user.email, read_at=r.read_at) for r in receipts]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda r: (r.read_at is None, r.read_at or far, r.name, r.email))


@dataclass(frozen=True)
class FeedItem:
    """One entry of a member's announcement list: the store's own, or HQ's (read-only)."""

    id: int
    source: str
    title: str
    body: str
    author: int | None
    author_name: str
    audience: str
    roles: list
    created_at: datetime
    is_read: bool | None


def announcement_feed(*, access: StoreAccess, filters: dict | None = None) -> list[FeedItem]:
    """The store's announcements the caller may read and HQ's announcements to this store, newest
    first. ``source`` (``store`` or ``hq``) narrows it."""
    filters = filters or {}
    source = filters.get("source") or ""
    if source not in ("", SOURCE_STORE, SOURCE_HQ):
        raise ValidationFailed(_("Invalid filter."), errors={"source": [_("store or hq.")]})
    items: list[FeedItem] = []
    if source in ("", SOURCE_STORE):
        for a in announcement_list(access=access, filters=filters):
            items.append(
                FeedItem(
                    id=a.pk,
                    source=SOURCE_STORE,
                    title=a.title,
                    body=a.body,
                    author=a.author_id,
                    author_name=a.author.display_name if a.author_id else "",
                    audience=a.audience,
                    roles=list(a.roles or []),
                    created_at=a.created_at,
                    is_read=a.is_read,
                )
            )
    hq_wanted = source in ("", SOURCE_HQ) and filters.get("unread") in (None, "") and not filters.get("author")
    if hq_wanted:
        for a in hq_announcements_for_store(store_id=access.store_id):
            items.append(
                FeedItem(
                    id=a.pk,
                    source=SOURCE_HQ,
                    title=a.title,
                    body=a.body,
                    author=None,
                    author_name=_("HQ"),
                    audience=Announcement.Audience.EVERYONE,
                    roles=[],
                    created_at=a.created_at,
                    is_read=None,
                )
            )
    items.sort(key=lambda item: (item.created_at, item.source == SOURCE_STORE, item.id), reverse=True)
    return items


def unread_announcement_count(*, access: StoreAccess) -> int:
    return announcement_list(access=access, filters={"unread": "true"}).count()


# --- work assignments -------------------------------------------------------------------------


def _tasks_visible(access: StoreAccess) -> QuerySet[WorkTask]:
    qs = WorkTask.objects.all()
    if access.via_hq:
        return qs
    own = Q(assignee_id=access.user.pk) | Q(created_by_id=access.user.pk)
    if not access.can("tasks.assign"):
        return qs.filter(own)
    owners = visible_owner_ids(access)
    return qs if owners is None else qs.filter(own | Q(assignee_id__in=owners))


def with_overdue(qs: QuerySet[WorkTask], *, today: date | None = None) -> QuerySet[WorkTask]:
    today = today or local_today()
    return qs.annotate(
        is_overdue=Case(
            When(status__in=OPEN_STATUSES, due_date__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanValue(),
        )
    )


TASK_ORDERINGS = {
    "due_date": ["due_date", "-pk"],
    "-due_date": ["-due_date", "-pk"],
    "created_at": ["created_at", "pk"],
    "-created_at": ["-created_at", "-pk"],
}


def task_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[WorkTask]:
    """Work assignments the caller may see. Filters: ``assignee`` (id or ``me``), ``created_by``,
    ``status`` (one, or several comma-separated), ``due`` (``overdue``, ``today``, ``upcoming``,
    ``none``), ``due_from`` / ``due_to`` (dates, inclusive), ``ordering``."""
    filters = filters or {}
    today = local_today()
    qs = with_overdue(_tasks_visible(access), today=today)
    if filters.get("assignee") not in (None, ""):
        qs = qs.filter(assignee_id=_user_filter(filters["assignee"], access, "assignee"))
    if filters.get("created_by") not in (None, ""):
        qs = qs.filter(created_by_id=_user_filter(filters["created_by"], access, "created_by"))
    if filters.get("status") not in (None, ""):
        statuses = [s.strip() for s in str(filters["status"]).split(",") if s.strip()]
        if any(s not in WorkTask.Status.values for s in statuses):
            raise ValidationFailed(
                _("Invalid filter."), errors={"status": [_("Choose from: %s.") % ", ".join(WorkTask.Status.values)]}
            )
        qs = qs.filter(status__in=statuses)
    due = filters.get("due")
    if due not in (None, ""):
        if due == "overdue":
            qs = qs.filter(is_overdue=True)
        elif due == "today":
            qs = qs.filter(due_date=today)
        elif due == "upcoming":
            qs = qs.filter(due_date__gte=today, status__in=OPEN_STATUSES)
        elif due == "none":
            qs = qs.filter(due_date__isnull=True)
        else:
            raise ValidationFailed(
                _("Invalid filter."), errors={"due": [_("Choose from: overdue, today, upcoming, none.")]}
            )
    if filters.get("due_from") not in (None, ""):
        qs = qs.filter(due_date__gte=_date_filter(filters["due_from"], "due_from"))
    if filters.get("due_to") not in (None, ""):
        qs = qs.filter(due_date__lte=_date_filter(filters["due_to"], "due_to"))
    ordering = filters.get("ordering") or ""
    if ordering and ordering not in TASK_ORDERINGS:
        raise ValidationFailed(_("Invalid filter."), errors={"ordering": [", ".join(TASK_ORDERINGS)]})
    order = TASK_ORDERINGS.get(ordering, ["-created_at", "-pk"])
    return qs.select_related("assignee", "created_by").order_by(*order)


def task_get_for_user(*, task_id: Any, access: StoreAccess) -> WorkTask:
    message = _("No such work assignment.")
    task = task_list(access=access).filter(pk=_id(task_id, message)).first()
    if task is None:
        raise NotFound(message)
    return task


def my_open_tasks(*, access: StoreAccess) -> QuerySet[WorkTask]:
    """The caller's open work assignments, the most urgent first (no due date last)."""
    return (
        with_overdue(WorkTask.objects.filter(assignee_id=access.user.pk, status__in=OPEN_STATUSES))
        .select_related("created_by")
        .order_by("due_date", "pk")
    )


# --- daily reports ----------------------------------------------------------------------------


def _reports_visible(access: StoreAccess) -> QuerySet[DailyReport]:
    qs = DailyReport.objects.all()
    if access.via_hq:
        return qs
    if not access.can("reports.team.view"):
        return qs.filter(author_id=access.user.pk)
    owners = visible_owner_ids(access)
    return qs if owners is None else qs.filter(Q(author_id=access.user.pk) | Q(author_id__in=owners))


def report_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[DailyReport]:
    """Daily reports the caller may read, newest day first. Filters: ``author`` (id or ``me``),
    ``date_from`` / ``date_to`` (store-local dates, inclusive)."""
    filters = filters or {}
    qs = _reports_visible(access)
    if filters.get("author") not in (None, ""):
        qs = qs.filter(author_id=_user_filter(filters["author"], access, "author"))
    date_from = _date_filter(filters["date_from"], "date_from") if filters.get("date_from") else None
    date_to = _date_filter(filters["date_to"], "date_to") if filters.get("date_to") else None
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(_("Invalid filter."), errors={"date_to": [_("The end is before the start.")]})
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.select_related("author").order_by("-date", "author__name", "pk")


def report_get_for_user(*, report_id: Any, access: StoreAccess) -> DailyReport:
    message = _("No such daily report.")
    report = report_list(access=access).filter(pk=_id(report_id, message)).first()
    if report is None:
        raise NotFound(message)
    return report


def my_report_for(*, access: StoreAccess, day: date | None = None) -> DailyReport | None:
    return DailyReport.objects.filter(author_id=access.user.pk, date=day or local_today()).first()
