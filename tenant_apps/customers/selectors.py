"""Reads of customers, always through the caller's visibility (product.md section 2).

A salesperson sees the customers they own and the shared pool; a supervisor their team and the
pool (the whole store when the store has no teams); finance, warehouse, admin and HQ the whole
store. "Does not exist", "merged away" and "not yours" all answer 404 (``NotFound``); a merged
record's 404 names the survivor (``extra={"merged_into": id}``) when the caller may see it.

Run with the store's schema active. "Today" is the store's day (``Store.timezone``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, can_see_owner, visible_owner_ids
from shared_apps.accounts.models import User
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.customers.models import Customer, FollowUp, FollowUpAttachment, Grade, Tag
from tenant_apps.customers.panels import customer_panels, list_filters, pool_history
from tenant_apps.workspace.selectors import store_settings_get
from tenants.storetime import local_day_bounds

FOLLOW_UP_DUE_VALUES = ("due", "overdue", "today")
# ?ordering= values of the customer list; follow-up times sort empty values last either way.
ORDERING_FIELDS = ("created_at", "name", "grade", "next_follow_up_at", "last_follow_up_at")
IDS_MAX = 1000
DEFAULT_ORDERING = ("-created_at", "-id")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


# --- the store of the current schema ----------------------------------------------------------


# --- visibility -------------------------------------------------------------------------------


def visible_customers(*, access: StoreAccess) -> QuerySet[Customer]:
    """Live customers ``access`` may see: the visible owners' and the pool."""
    qs = Customer.objects.live()
    owners = visible_owner_ids(access)
    if owners is not None:
        qs = qs.filter(Q(owner_id__in=owners) | Q(owner__isnull=True))
    return qs


def can_see_customer(*, access: StoreAccess, customer: Customer) -> bool:
    return customer.owner_id is None or can_see_owner(access, customer.owner_id)


def _with_relations(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    return qs.select_related("channel", "owner").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


# --- the list ---------------------------------------------------------------------------------


def _text(filters: dict, key: str) -> str:
    value = filters.get(key)
    if value is None:
        return ""
    return str(value).strip()


def _parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _search(qs: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    """Name or company contains ``q``; a chat id starts with it. A phone-like term (at least three
    digits, with nothing but spaces, dashes, brackets or "+") searches the normalised mobile by
    prefix, with or without the country code, and the chat ids, and not the names."""
    condition = Q(wechat_id__istartswith=q) | Q(platform_chat_id__istartswith=q)
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 3 and len(digits) == len(re.sub(r"[\s\-+()]", "", q)):
        condition |= Q(mobile_normalized__startswith=f"+86{digits}") | Q(mobile_normalized__startswith=f"+{digits}")
        if digits != q:
            condition |= Q(wechat_id__istartswith=digits) | Q(platform_chat_id__istartswith=digits)
        return qs.filter(condition)
    return qs.filter(condition | Q(name__icontains=q) | Q(company__icontains=q))


def _ordering(value: str) -> list:
    name = value.strip()
    descending = name.startswith("-")
    field = name.lstrip("-")
    if field not in ORDERING_FIELDS:
        raise ValidationFailed(
            _("Unknown ordering."),
            errors={"ordering": [_("Order by one of: %(fields)s.") % {"fields": ", ".join(ORDERING_FIELDS)}]},
        )
    expression = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return [expression, "-id" if descending else "id"]


def customer_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Customer]:
    """Live customers visible to ``access``, filtered.

    Filters (all optional; query-string values are accepted as strings): ``q`` (name or company
    contains, WeChat / platform chat id starts with, phone digits match the normalised mobile by
    prefix), ``owner`` (a user id, or "me"), ``in_pool`` (bool), ``grade`` (A-D), ``tag`` (name),
    ``channel`` (code), ``province``, ``follow_up_due`` ("due": next follow-up at or before now,
    "overdue": more than the store's grace period ago, "today": falls due today), ``ordering``
    (``created_at``, ``name``, ``grade``, ``next_follow_up_at``, ``last_follow_up_at``, "-" for
    descending), ``ids`` (comma-separated ids: a selection, as in the list's bulk export).
    A malformed value raises ValidationFailed naming the filter.
    """
    filters = filters or {}
    qs = visible_customers(access=access)
    errors: dict[str, list[str]] = {}
    q = _text(filters, "q")
    if q:
        qs = _search(qs, q[:100])
    qs = _filter_ids(qs, _text(filters, "ids"), errors)
    qs = _filter_owner(qs, _text(filters, "owner"), errors, access=access)
    qs = _filter_in_pool(qs, filters.get("in_pool"), errors)
    qs = _filter_grade(qs, _text(filters, "grade").upper(), errors)
    qs = _filter_exact(qs, filters)
    qs = _filter_follow_up_due(qs, _text(filters, "follow_up_due").lower(), errors)
    qs = _filter_registered(qs, filters, errors)
    qs = _order(qs, _text(filters, "ordering"), errors)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return _with_relations(qs)


# Each filter of the list takes its value from the query (empty: no filter) and either narrows
# the queryset or puts its message in ``errors``.


def _filter_ids(qs: QuerySet[Customer], ids: str, errors: dict[str, list[str]]) -> QuerySet[Customer]:
    if not ids:
        return qs
    parts = [part.strip() for part in ids.split(",") if part.strip()]
    if not parts or len(parts) > IDS_MAX or not all(part.isdigit() for part in parts):
        errors["ids"] = [_("Comma-separated customer ids (at most %(n)s).") % {"n": IDS_MAX}]
        return qs
    return qs.filter(pk__in=[int(part) for part in parts])


def _filter_owner(
    qs: QuerySet[Customer], owner: str, errors: dict[str, list[str]], *, access: StoreAccess
) -> QuerySet[Customer]:
    if not owner:
        return qs
    if owner == "me":
        return qs.filter(owner_id=access.user.pk)
    if owner.isdigit():
        return qs.filter(owner_id=int(owner))
    errors["owner"] = [_("A user id or “me”.")]
    return qs


def _filter_in_pool(qs: QuerySet[Customer], in_pool: Any, errors: dict[str, list[str]]) -> QuerySet[Customer]:
    if in_pool in (None, ""):
        return qs
    parsed = _parse_bool(in_pool)
    if parsed is None:
        errors["in_pool"] = [_("true or false.")]
        return qs
    return qs.filter(owner__isnull=parsed)


def _filter_grade(qs: QuerySet[Customer], grade: str, errors: dict[str, list[str]]) -> QuerySet[Customer]:
    if not grade:
        return qs
    if grade not in Grade.values:
        errors["grade"] = [_("One of A, B, C, D.")]
        return qs
    return qs.filter(grade=grade)


def _filter_exact(qs: QuerySet[Customer], filters: dict) -> QuerySet[Customer]:
    """The tag (by name), channel (by code, any case) and province filters."""
    tag = _text(filters, "tag")
    if tag:
        qs = qs.filter(tags__name=tag)
    channel = _text(filters, "channel")
    if channel:
        qs = qs.filter(channel__code=channel.lower())
    province = _text(filters, "province")
    if province:
        qs = qs.filter(province=province)
    return qs


def _filter_follow_up_due(qs: QuerySet[Customer], due: str, errors: dict[str, list[str]]) -> QuerySet[Customer]:
    if not due:
        return qs
    now = timezone.now()
    if due == "due":
        return qs.filter(next_follow_up_at__lte=now)
    if due == "overdue":
        grace = timedelta(days=store_settings_get().pool_grace_days)
        return qs.filter(next_follow_up_at__lt=now - grace)
    if due == "today":
        start, end = local_day_bounds(now)
        return qs.filter(next_follow_up_at__gte=start, next_follow_up_at__lt=end)
    errors["follow_up_due"] = [_("One of: %(values)s.") % {"values": ", ".join(FOLLOW_UP_DUE_VALUES)}]
    return qs


def _filter_registered(qs: QuerySet[Customer], filters: dict, errors: dict[str, list[str]]) -> QuerySet[Customer]:
    """The filters other modules register (``panels.register_list_filter``)."""
    for extra in list_filters():
        value = _text(filters, extra.key)
        if value:
            try:
                qs = extra.apply(qs, value)
            except ValidationFailed as exc:
                errors.update(exc.errors)
    return qs


def _order(qs: QuerySet[Customer], ordering: str, errors: dict[str, list[str]]) -> QuerySet[Customer]:
    if not ordering:
        return qs.order_by(*DEFAULT_ORDERING)
    try:
        return qs.order_by(*_ordering(ordering))
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return qs


# --- one customer -----------------------------------------------------------------------------


def _customer_id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound(_("No such customer.")) from None
    if number <= 0 or number > 2**63 - 1:
        raise NotFound(_("No such customer."))
    return number


def customer_get_for_user(*, customer_id: Any, access: StoreAccess) -> Customer:
    """The customer, if ``access`` may see it; else 404. A merged record's 404 names its survivor."""
    pk = _customer_id(customer_id)
    customer = _with_relations(Customer.objects.filter(pk=pk)).first()
    if customer is None:
        raise NotFound(_("No such customer."))
    if customer.merged_into_id is not None:
        survivor = Customer.objects.filter(pk=customer.merged_into_id).only("id", "owner_id").first()
        if survivor is not None and can_see_customer(access=access, customer=survivor):
            raise NotFound(
                _("This customer was merged into customer %(id)s.") % {"id": survivor.pk},
                extra={"merged_into": survivor.pk},
            )
        raise NotFound(_("No such customer."))
    if not can_see_customer(access=access, customer=customer):
        raise NotFound(_("No such customer."))
    return customer


def follow_up_list(*, customer: Customer) -> QuerySet[FollowUp]:
    """The customer's follow-ups, newest first (the customer was loaded through its selector)."""
    return (
        FollowUp.objects.filter(customer_id=customer.pk)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
    )


def follow_up_attachment_get(*, customer: Customer, attachment_id: int) -> FollowUpAttachment:
    """An attachment of one of the customer's follow-ups (the customer was loaded through its
    selector, so who may see it was checked); another customer's is "no such file"."""
    attachment = FollowUpAttachment.objects.filter(pk=attachment_id, follow_up__customer_id=customer.pk).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    return attachment


def customer_summary(*, customer: Customer) -> dict[str, Any]:
    """The 360° summary: follow-ups, owner, pool history and the panels other modules register."""
    follow_ups = FollowUp.objects.filter(customer_id=customer.pk)
    owner = None
    if customer.owner_id is not None:
        user = User.objects.filter(pk=customer.owner_id).only("id", "name", "email").first()
        owner = {"id": customer.owner_id, "name": (user.name or user.email) if user else ""}
    panels: dict[str, Any] = {}
    for key, provider in customer_panels():
        panel = provider(customer=customer)
        if panel is not None:
            panels[key] = panel
    return {
        "follow_up_count": follow_ups.count(),
        "last_follow_up_at": customer.last_follow_up_at,
        "next_follow_up_at": customer.next_follow_up_at,
        "owner": owner,
        "owner_since": customer.owner_since,
        "return_visit_deadline": customer.return_visit_deadline,
        "released_at": customer.released_at,
        "merged_records": list(customer.merged_records.order_by("pk").values_list("pk", flat=True)),
        "pool_history": pool_history(customer=customer),
        "panels": panels,
    }


# --- due follow-ups ---------------------------------------------------------------------------


def due_follow_ups(*, access: StoreAccess, at: datetime | None = None) -> QuerySet[Customer]:
    """The caller's own customers whose next follow-up falls at or before the end of the store's
    day of ``at`` (default now): overdue first, then the rest of today."""
    _start, end = local_day_bounds(at or timezone.now())
    return _with_relations(
        Customer.objects.live()
        .filter(owner_id=access.user.pk, next_follow_up_at__lt=end)
        .order_by("next_follow_up_at", "id")
    )


# --- tags -------------------------------------------------------------------------------------


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("name", "pk")


def tag_get(*, tag_id: Any) -> Tag:
    try:
        pk = int(tag_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such tag.")) from None
    tag = Tag.objects.filter(pk=pk).first()
    if tag is None:
        raise NotFound(_("No such tag."))
    return tag


def owned_customer_counts(*, user_ids) -> dict[int, int]:
    """Live customers each of ``user_ids`` owns (what the store's ownership cap counts)."""
    from django.db.models import Count

    rows = Customer.objects.live().filter(owner_id__in=list(user_ids)).values("owner_id").annotate(n=Count("id"))
    return {row["owner_id"]: row["n"] for row in rows}


def owned_customer_ids(*, owner_id: int) -> list[int]:
    """The live customers of one person, by id (a handover of all of them)."""
    return list(Customer.objects.live().filter(owner_id=owner_id).order_by("pk").values_list("pk", flat=True))


def owned_customer_count(*, owner_id: int) -> int:
    return Customer.objects.live().filter(owner_id=owner_id).count()


def contact_ids(*, customer_ids) -> set[str]:
    """The phone keys, WeChat ids and platform chat ids these customer records hold (non-empty)."""
    held = Customer.objects.filter(pk__in=customer_ids).values_list(
        "mobile_normalized", "wechat_id", "platform_chat_id"
    )
    return {value for row in held for value in row if value}


def quiet_customers(*, before: datetime) -> QuerySet[Customer]:
    """Owned live customers with no follow-up since ``before`` (counted from when they were taken
    when they never had one)."""
    return (
        Customer.objects.live()
        .filter(owner__isnull=False)
        .filter(Q(last_follow_up_at__lt=before) | Q(last_follow_up_at__isnull=True, owner_since__lt=before))
        .order_by("pk")
    )


def customers_by_ids(*, ids) -> QuerySet[Customer]:
    return Customer.objects.live().filter(pk__in=list(ids))


def owned_customers() -> QuerySet[Customer]:
    """Live customers with an owner (store-wide)."""
    return Customer.objects.live().filter(owner__isnull=False).order_by("pk")


# --- probes of the periodic jobs in beat's dispatch -------------------------------------------------


def reminders_due_sql(schema: str, store=None) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while an owned live customer's
    next follow-up is due by ``%(at)s`` and its owner was not reminded of it (the
    ``customer_to_remind`` index, whose condition this repeats): what
    ``services.follow_up_reminders_send`` reminds, as its probe in beat's dispatch."""
    return f"""EXISTS (
        SELECT 1 FROM {schema}.{Customer._meta.db_table}
         WHERE merged_into_id IS NULL AND owner_id IS NOT NULL
           AND (reminded_for IS NULL OR NOT (reminded_for = next_follow_up_at AND reminded_for IS NOT NULL
                                             AND next_follow_up_at IS NOT NULL))
           AND next_follow_up_at <= %(at)s)"""


def return_visits_due_sql(schema: str, store=None) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while an owned live customer
    has a return-visit deadline that is settled (a follow-up after the customer became its owner's)
    or passed before ``%(at)s`` (the ``customer_return_visit`` index): what the pool's return
    deadline job clears or releases, as its probe in beat's dispatch."""
    return f"""EXISTS (
        SELECT 1 FROM {schema}.{Customer._meta.db_table}
         WHERE merged_into_id IS NULL AND owner_id IS NOT NULL AND return_visit_deadline IS NOT NULL
           AND (return_visit_deadline < %(at)s
                OR (last_follow_up_at IS NOT NULL AND (owner_since IS NULL OR last_follow_up_at > owner_since))))"""
