"""Writes on leads: intake (by hand, import, API) with dual verification, distribution by the
store's rules, assignment by hand, first contact, conversion and loss, the queue and the
re-assignment of leads whose first-response time passed.

Distribution (``_distribute``): a lead of an existing customer goes to that customer's owner when
the owner is an active salesperson or supervisor of the store. Otherwise the first active rule
(by priority) whose channel, grade and region all match the lead names the candidates; without a
matching rule every salesperson on duty is a candidate. Candidates at their cap (open leads held,
and the store's ownership cap of customers) are passed over; among the rest the one served
longest ago gets the lead (round-robin). When nobody can take it, the lead waits in the queue
(no owner) until ``distribute_queue`` finds someone.

Fairness under concurrent intake: every distribution takes the store's ``LeadSettings`` row
``FOR UPDATE`` and advances its ``rotation`` number in the same transaction, so two leads arriving
at once are served one after the other and never both given to the same person by mistake.

Every change writes its event to the outbox in the same transaction (``lead.created``,
``lead.assigned``, ``lead.contacted``, ``lead.converted``, ``lead.lost``), the same log HQ's drain,
webhooks and automation read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.models import Membership
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.customers import services as customer_services
from tenant_apps.enquiries import services as enquiry_services
from tenant_apps.leads import selectors
from tenant_apps.leads.error_codes import LeadErrorCode
from tenant_apps.leads.models import DistributionRule, Lead, LeadAgent, LeadAssignment, LeadSettings
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenant_apps.workspace.selectors import channel_list, store_settings_get
from tenants.storetime import current_store, local_day_bounds

OWNER_ROLES = (StoreRole.SALESPERSON, StoreRole.SUPERVISOR)
GRADES = ("A", "B", "C", "D")
TEXT_FIELDS = {"name": 120, "wechat_id": 64, "platform_chat_id": 64, "source": 100, "province": 40, "message": 5000}
LEAD_FIELDS = (*TEXT_FIELDS, "mobile", "channel", "grade", "received_at")
CONTACT_FIELDS = ("mobile", "wechat_id", "platform_chat_id")
REASON_MAX = 300
# A lead may be dated this far ahead of the server's clock (integrations' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def lead_url(lead_id: int) -> str:
    return f"/leads/{lead_id}/"


def _event(lead: Lead, name: str, **extra: Any) -> None:
    payload = {"event": name, "owner": lead.owner_id, "status": lead.status, "customer": lead.customer_id, **extra}
    publish(topic="lead", entity_id=lead.pk, payload=payload, event=name, data=lead_event_data(lead))


def lead_event_data(lead: Lead) -> dict:
    """A lead for the event log, as the API returns it."""
    from tenant_apps.leads.api import LeadSerializer

    return dict(LeadSerializer(Lead.objects.select_related("owner", "channel").get(pk=lead.pk)).data)


# --- validation -----------------------------------------------------------------------------------


def _channel(value: Any, errors: dict) -> Any:
    value = getattr(value, "code", value)
    if value in (None, ""):
        return None
    text = str(value).strip()
    found = None
    if text.isdigit() and len(text) < 19:
        found = channel_list().filter(pk=int(text)).first()
    found = found or channel_list().filter(code=text).first()
    if found is None:
        errors["channel"] = [_("No such channel.")]
    return found


def _received_at(value: Any, at: datetime, errors: dict) -> datetime | None:
    if value in (None, ""):
        return at
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            errors["received_at"] = [_("Enter a date and time, such as 2026-12-01T09:30:00+08:00.")]
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    if moment > at + FUTURE_TOLERANCE:
        errors["received_at"] = [_("The time is in the future.")]
        return None
    return moment


def clean_lead(data: Any, *, at: datetime) -> dict[str, Any]:
    """The cleaned values of a new lead; raises ValidationFailed with every error at once. A lead
    needs a mobile number, a WeChat ID or a platform chat ID: without any, each is named."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("An object is expected.")]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in LEAD_FIELDS:
            errors[str(key)] = [_("Unknown field.")]
    for field, max_length in TEXT_FIELDS.items():
        value = data.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = [_("Text is expected.")]
            continue
        value = value.strip()
        if len(value) > max_length:
            errors[field] = [_("At most %(max)d characters.") % {"max": max_length}]
            continue
        clean[field] = value
    mobile = data.get("mobile")
    if mobile is not None and not isinstance(mobile, str):
        errors["mobile"] = [_("Text is expected.")]
    else:
        try:
            clean["mobile_normalized"] = customer_services.normalize_mobile(mobile)
            clean["mobile"] = (mobile or "").strip()
        except ValidationFailed as exc:
            errors.update(exc.errors)
    grade = str(data.get("grade") or "").strip().upper()
    if grade and grade not in GRADES:
        errors["grade"] = [_("Choose A, B, C or D.")]
    clean["grade"] = grade
    clean["channel"] = _channel(data.get("channel"), errors)
    clean["received_at"] = _received_at(data.get("received_at"), at, errors)
    has_contact = clean.get("mobile_normalized") or clean.get("wechat_id") or clean.get("platform_chat_id")
    if not has_contact and not any(field in errors for field in CONTACT_FIELDS):
        message = _("Give a mobile number, a WeChat ID or a platform chat ID.")
        for field in CONTACT_FIELDS:
            errors[field] = [message]
    if errors:
        raise ValidationFailed(_("Invalid lead."), errors=errors)
    return clean


# --- who may do what ------------------------------------------------------------------------------


def _require(access: StoreAccess, permission: str) -> None:
    if access.read_only or not access.can(permission):
        raise PermissionDenied()


def _require_works_on(access: StoreAccess, lead: Lead) -> None:
    """The holder works their lead; supervisors and admins the leads they see."""
    _require(access, "leads.work")
    if lead.owner_id == access.user.pk:
        return
    if access.can("leads.assign") and (lead.owner_id is None or can_see_owner(access, lead.owner_id)):
        return
    raise PermissionDenied(_("Only the holder of this lead, their supervisor or an admin may do this."))


def owner_members() -> dict[int, Membership]:
    """Active salespeople and supervisors of the store, by user id."""
    store = current_store()
    rows = member_list(store=store).filter(is_active=True, role__in=OWNER_ROLES, user__is_active=True)
    return {m.user_id: m for m in rows}


def supervisors_of(user_ids: Iterable[int]) -> list[int]:
    """Who is told about a person's leads and customers: their team supervisor, else the store's
    supervisors and admins."""
    store = current_store()
    members = member_list(store=store).filter(is_active=True)
    result: set[int] = set()
    for user_id in user_ids:
        own = members.filter(user_id=user_id).first()
        if own is not None and own.supervisor_id is not None and members.filter(user_id=own.supervisor_id).exists():
            result.add(own.supervisor_id)
        else:
            result |= set(
                members.filter(role__in=[StoreRole.SUPERVISOR, StoreRole.ADMIN])
                .exclude(user_id=user_id)
                .values_list("user_id", flat=True)
            )
    return sorted(result)


# --- distribution ---------------------------------------------------------------------------------


def _lock_settings() -> LeadSettings:
    selectors.lead_settings_get()
    return LeadSettings.objects.select_for_update().get(singleton=True)


class _Distributor:
    """Picks owners for leads. What changes rarely (members, rules, customers owned) is read
    before the store's distribution lock; the rotation and the open leads under it (``lock``),
    so that the lock is held for as short a time as possible."""

    def __init__(self) -> None:
        self.members = owner_members()
        self.ownership_cap = store_settings_get().pool_ownership_cap
        existing = set(LeadAgent.objects.values_list("user_id", flat=True))
        missing = [LeadAgent(user_id=uid) for uid in self.members if uid not in existing]
        if missing:
            LeadAgent.objects.bulk_create(missing, ignore_conflicts=True)
        ids = list(self.members)
        self.owned = customer_selectors.owned_customer_counts(user_ids=ids) if self.ownership_cap else {}
        self.rules = list(DistributionRule.objects.filter(active=True).order_by("priority", "id"))
        self.settings: LeadSettings | None = None
        self.agents: dict[int, LeadAgent] = {}
        self.open_leads: dict[int, int] = {}

    def lock(self) -> _Distributor:
        """Take the store's distribution lock (until the transaction ends) and read the rotation."""
        self.settings = _lock_settings()
        self.agents = {a.user_id: a for a in LeadAgent.objects.filter(user_id__in=list(self.members))}
        cap = self.settings.open_lead_cap
        self.open_leads = selectors.open_lead_counts(user_ids=list(self.agents)) if cap else {}
        return self

    def _candidates(self, lead: Lead) -> list[int]:
        rule = None
        for candidate in self.rules:
            if candidate.channel_id is not None and candidate.channel_id != lead.channel_id:
                continue
            if candidate.grade and candidate.grade != lead.grade:
                continue
            if candidate.province and candidate.province != lead.province:
                continue
            rule = candidate
            break
        if rule is not None:
            wanted = {int(uid) for uid in rule.members if str(uid).isdigit()}
            return [uid for uid in wanted if uid in self.agents and self.agents[uid].on_duty]
        return [
            uid
            for uid, agent in self.agents.items()
            if agent.on_duty and self.members[uid].role == StoreRole.SALESPERSON
        ]

    def _has_room(self, user_id: int) -> bool:
        cap = self.settings.open_lead_cap
        if cap and self.open_leads.get(user_id, 0) >= cap:
            return False
        return not (self.ownership_cap and self.owned.get(user_id, 0) >= self.ownership_cap)

    def pick(self, lead: Lead, *, exclude: Iterable[int] = ()) -> int | None:
        excluded = set(exclude)
        room = [uid for uid in self._candidates(lead) if uid not in excluded and self._has_room(uid)]
        if not room:
            return None
        chosen = min(room, key=lambda uid: (self.agents[uid].last_turn, uid))
        self.settings.rotation += 1
        agent = self.agents[chosen]
        agent.last_turn = self.settings.rotation
        agent.assigned_total += 1
        LeadAgent.objects.filter(pk=agent.pk).update(last_turn=agent.last_turn, assigned_total=F("assigned_total") + 1)
        LeadSettings.objects.filter(pk=self.settings.pk).update(rotation=self.settings.rotation)
        if self.settings.open_lead_cap:
            self.open_leads[chosen] = self.open_leads.get(chosen, 0) + 1
        return chosen

    def customer_owner(self, lead: Lead) -> int | None:
        if lead.customer_id is None:
            return None
        owner_id = lead.customer.owner_id
        return owner_id if owner_id in self.members else None


def _set_owner(
    lead: Lead,
    owner_id: int | None,
    *,
    cause: str,
    at: datetime,
    settings_row: LeadSettings,
    by=None,
    quiet: bool = False,
) -> None:
    previous = lead.owner_id
    lead.owner_id = owner_id
    lead.assigned_at = at if owner_id is not None else None
    minutes = settings_row.first_response_minutes
    lead.respond_by = (
        at + timedelta(minutes=minutes) if owner_id is not None and minutes and lead.status == Lead.Status.NEW else None
    )
    lead.save(update_fields=["owner", "assigned_at", "respond_by", "reassign_count"])
    LeadAssignment.objects.create(
        lead=lead, owner_id=owner_id, previous_owner_id=previous, cause=cause, by_id=getattr(by, "pk", by), at=at
    )
    _event(lead, "lead.assigned", cause=cause, previous_owner=previous)
    if owner_id is not None and owner_id != getattr(by, "pk", by) and not quiet:
        # After commit: the notification is no part of the distribution (nor of its lock).
        title = format_lazy(gettext_lazy("New lead: {name}"), name=str(lead))
        body, url, data = lead.message[:200], lead_url(lead.pk), {"lead": lead.pk, "cause": cause}
        transaction.on_commit(
            lambda: notify(recipients=[owner_id], kind="leads.assigned", title=title, body=body, url=url, data=data)
        )


def _distribute(lead: Lead, *, distributor: _Distributor, at: datetime, exclude: Iterable[int] = ()) -> int | None:
    owner_id = distributor.customer_owner(lead)
    cause = LeadAssignment.Cause.CUSTOMER_OWNER
    if owner_id is None or owner_id in set(exclude):
        owner_id = distributor.pick(lead, exclude=exclude)
        cause = LeadAssignment.Cause.RULES
    if owner_id is not None:
        _set_owner(lead, owner_id, cause=cause, at=at, settings_row=distributor.settings)
    return owner_id


# --- enquiry figures --------------------------------------------------------------------------------


def _refresh_enquiries(days: set[tuple[datetime, int]], settings_row: LeadSettings) -> None:
    """Count the daily enquiry figures of the (local day, channel) pairs again from the leads."""
    if not settings_row.enquiries_from_leads:
        return
    for moment, channel_id in sorted(days):
        start, end = local_day_bounds(moment)
        total, new = selectors.daily_counts(start=start, end=end, channel_id=channel_id)
        enquiry_services.daily_enquiry_derive(
            day=start.date(), channel_id=channel_id, enquiries=total, new_enquiries=new
        )


# --- intake ---------------------------------------------------------------------------------------


def _new_lead(clean: dict[str, Any], *, created_by) -> Lead:
    found = customer_services.find_duplicate(
        mobile_normalized=clean.get("mobile_normalized", ""),
        wechat_id=clean.get("wechat_id", ""),
        platform_chat_id=clean.get("platform_chat_id", ""),
    )
    customer = found[0] if found is not None else None
    lead = Lead(**clean, created_by_id=getattr(created_by, "pk", None))
    if customer is not None:
        lead.customer = customer
        lead.is_new = False
        lead.grade = lead.grade or customer.grade
        lead.province = lead.province or customer.province
    return lead


def lead_create(*, data: Any, by: StoreAccess, at: datetime | None = None) -> Lead:
    """Take in one lead (by hand or by API) and distribute it by the store's rules."""
    _require(by, "leads.create")
    return lead_create_many(rows=[data], by=by, at=at)[0]


def lead_create_many(*, rows: list[Any], by: StoreAccess, at: datetime | None = None) -> list[Lead]:
    """Take in several valid leads in one transaction (every row is checked first: one invalid row
    refuses them all), each distributed in turn."""
    _require(by, "leads.create")
    at = at or timezone.now()
    cleaned = [clean_lead(row, at=at) for row in rows]
    with transaction.atomic():
        leads = []
        for clean in cleaned:
            lead = _new_lead(clean, created_by=by.user)
            lead.save()
            _event(lead, "lead.created", channel=lead.channel_id, source=lead.source, is_new=lead.is_new)
            leads.append(lead)
        distributor = _Distributor().lock()
        days: set[tuple[datetime, int]] = set()
        for lead in leads:
            _distribute(lead, distributor=distributor, at=at)
            if lead.channel_id is not None:
                days.add((local_day_bounds(lead.received_at)[0], lead.channel_id))
        _refresh_enquiries(days, distributor.settings)
    return leads


# --- work on a lead -------------------------------------------------------------------------------


def _lock(lead_id: int) -> Lead:
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(_("No such lead."))
    return lead


def _closed(lead: Lead) -> InvalidTransition:
    return InvalidTransition(
        _("This lead is already %(status)s.") % {"status": lead.get_status_display()},
        code=LeadErrorCode.LEAD_CLOSED,
    )


def _assignable_owner(value: Any, errors: dict) -> int | None:
    try:
        owner_id = int(str(value))
    except (TypeError, ValueError):
        errors["owner"] = [_("Enter a user id.")]
        return None
    if owner_id not in owner_members():
        errors["owner"] = [_("Not an active salesperson or supervisor of this store.")]
        return None
    return owner_id


def lead_assign(*, lead_id: int, owner: Any, by: StoreAccess, at: datetime | None = None) -> Lead:
    """A supervisor or admin gives an open lead to a salesperson or supervisor of the store
    (``owner`` null: back to the queue)."""
    _require(by, "leads.assign")
    at = at or timezone.now()
    errors: dict = {}
    owner_id = None if owner is None else _assignable_owner(owner, errors)
    if owner_id is not None and not can_see_owner(by, owner_id):
        errors["owner"] = [_("You may only assign leads within your team.")]
    if errors:
        raise ValidationFailed(_("Invalid owner."), errors=errors)
    with transaction.atomic():
        settings_row = _lock_settings()
        lead = _lock(lead_id)
        if not lead.is_open:
            raise _closed(lead)
        if lead.owner_id != owner_id:
            _set_owner(lead, owner_id, cause=LeadAssignment.Cause.MANUAL, at=at, settings_row=settings_row, by=by.user)
    return lead


def lead_contact(*, lead_id: int, by: StoreAccess, at: datetime | None = None) -> Lead:
    """The first contact is made: the lead is no longer waiting for its first response."""
    at = at or timezone.now()
    with transaction.atomic():
        lead = _lock(lead_id)
        _require_works_on(by, lead)
        if lead.status != Lead.Status.NEW:
            raise InvalidTransition(_("Only a new lead can be marked contacted."))
        lead.status = Lead.Status.CONTACTED
        lead.contacted_at = at
        lead.respond_by = None
        lead.save(update_fields=["status", "contacted_at", "respond_by"])
        _event(lead, "lead.contacted")
    return lead


def lead_convert(*, lead_id: int, by: StoreAccess, at: datetime | None = None) -> Lead:
    """Make the lead a customer: the customer it matched (or one matching now), else a new one
    owned by the lead's holder."""
    at = at or timezone.now()
    with transaction.atomic():
        lead = _lock(lead_id)
        _require_works_on(by, lead)
        if not lead.is_open:
            raise _closed(lead)
        customer = lead.customer if lead.customer_id is not None else None
        if customer is not None and customer.merged_into_id is not None:
            customer = customer_selectors.customer_get_for_user(customer_id=customer.merged_into_id, access=by)
        if customer is None:
            found = customer_services.find_duplicate(
                mobile_normalized=lead.mobile_normalized,
                wechat_id=lead.wechat_id,
                platform_chat_id=lead.platform_chat_id,
            )
            customer = found[0] if found is not None else None
        if customer is None:
            data: dict[str, Any] = {
                "name": lead.name or lead.mobile or lead.wechat_id or lead.platform_chat_id,
                "mobile": lead.mobile,
                "wechat_id": lead.wechat_id,
                "platform_chat_id": lead.platform_chat_id,
                "province": lead.province,
            }
            if lead.channel_id is not None:
                data["channel"] = lead.channel.code
            if lead.grade:
                data["grade"] = lead.grade
            if by.role != StoreRole.SALESPERSON:
                data["owner"] = lead.owner_id
            customer = customer_services.customer_create(data=data, by=by, at=at)
        lead.customer = customer
        lead.status = Lead.Status.CONVERTED
        lead.closed_at = at
        lead.respond_by = None
        lead.contacted_at = lead.contacted_at or at
        lead.save(update_fields=["customer", "status", "closed_at", "respond_by", "contacted_at"])
        _event(lead, "lead.converted")
    return lead


def lead_lose(*, lead_id: int, by: StoreAccess, reason: Any, at: datetime | None = None) -> Lead:
    """Close the lead as lost, with its reason."""
    at = at or timezone.now()
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("The reason is too long."), errors={"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]}
        )
    with transaction.atomic():
        lead = _lock(lead_id)
        _require_works_on(by, lead)
        if not lead.is_open:
            raise _closed(lead)
        lead.status = Lead.Status.LOST
        lead.lost_reason = text
        lead.closed_at = at
        lead.respond_by = None
        lead.save(update_fields=["status", "lost_reason", "closed_at", "respond_by"])
        _event(lead, "lead.lost", reason=text)
    return lead


# --- settings, rules, duty ------------------------------------------------------------------------

SETTINGS_FIELDS = {"first_response_minutes": (0, 7 * 24 * 60), "open_lead_cap": (0, 100_000)}


def lead_settings_update(*, by: StoreAccess, data: Any) -> LeadSettings:
    """Change the store's distribution settings (``first_response_minutes``, ``open_lead_cap``,
    ``enquiries_from_leads``); every value checked first."""
    _require(by, "leads.rules.manage")
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("An object is expected.")]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key in SETTINGS_FIELDS:
            low, high = SETTINGS_FIELDS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[key] = [_("Enter a number between %(low)d and %(high)d.") % {"low": low, "high": high}]
            else:
                clean[key] = value
        elif key == "enquiries_from_leads":
            if not isinstance(value, bool):
                errors[key] = [_("Enter true or false.")]
            else:
                clean[key] = value
        else:
            errors[str(key)] = [_("Unknown field.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        row = _lock_settings()
        for key, value in clean.items():
            setattr(row, key, value)
        row.save()
    return row


def _clean_rule(data: Any, errors: dict) -> dict[str, Any]:
    if not isinstance(data, dict):
        errors["non_field_errors"] = [_("An object is expected.")]
        return {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in ("name", "priority", "channel", "grade", "province", "members", "active"):
            errors[str(key)] = [_("Unknown field.")]
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        errors["name"] = [_("A name of at most 100 characters is required.")]
    else:
        clean["name"] = name.strip()
    priority = data.get("priority", 100)
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 10_000:
        errors["priority"] = [_("Enter a number between %(low)d and %(high)d.") % {"low": 0, "high": 10_000}]
    else:
        clean["priority"] = priority
    clean["channel"] = _channel(data.get("channel"), errors)
    grade = str(data.get("grade") or "").strip().upper()
    if grade and grade not in GRADES:
        errors["grade"] = [_("Choose A, B, C or D.")]
    clean["grade"] = grade
    province = data.get("province") or ""
    if not isinstance(province, str) or len(province.strip()) > 40:
        errors["province"] = [_("At most %(max)d characters.") % {"max": 40}]
    else:
        clean["province"] = province.strip()
    members = data.get("members")
    owners = owner_members()
    if not isinstance(members, list) or not members:
        errors["members"] = [_("Name at least one salesperson.")]
    else:
        ids = []
        for value in members:
            if isinstance(value, bool) or not isinstance(value, int) or value not in owners:
                errors["members"] = [
                    _("Not an active salesperson or supervisor of this store: %(id)s.") % {"id": value}
                ]
                break
            ids.append(value)
        clean["members"] = sorted(set(ids))
    active = data.get("active", True)
    if not isinstance(active, bool):
        errors["active"] = [_("Enter true or false.")]
    clean["active"] = active
    return clean


def rule_create(*, by: StoreAccess, data: Any) -> DistributionRule:
    _require(by, "leads.rules.manage")
    errors: dict = {}
    clean = _clean_rule(data, errors)
    if errors:
        raise ValidationFailed(_("Invalid rule."), errors=errors)
    return DistributionRule.objects.create(**clean)


def rule_delete(*, by: StoreAccess, rule_id: Any) -> None:
    _require(by, "leads.rules.manage")
    rule = selectors.rule_list().filter(pk=int(rule_id) if str(rule_id).isdigit() else 0).first()
    if rule is None:
        raise NotFound(_("No such rule."))
    rule.delete()


def agent_set_duty(*, by: StoreAccess, user_id: Any, on_duty: Any) -> LeadAgent:
    """Put a salesperson on or off duty (off duty: passed over by round-robin)."""
    _require(by, "leads.assign")
    errors: dict = {}
    owner_id = _assignable_owner(user_id, errors)
    if owner_id is not None and not can_see_owner(by, owner_id):
        errors["owner"] = [_("You may only manage your team.")]
    if not isinstance(on_duty, bool):
        errors["on_duty"] = [_("Enter true or false.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    agent, _created = LeadAgent.objects.get_or_create(user_id=owner_id)
    agent.on_duty = on_duty
    agent.save(update_fields=["on_duty"])
    return agent


# --- periodic work --------------------------------------------------------------------------------


def distribute_queue(*, at: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Give waiting leads (no owner), oldest first, to whoever has room now."""
    at = at or timezone.now()
    assigned = 0
    if not Lead.objects.filter(owner__isnull=True, status=Lead.Status.NEW).exists():
        return {"assigned": 0, "waiting": 0}
    with transaction.atomic():
        distributor = _Distributor().lock()
        settings_row = distributor.settings
        waiting = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(owner__isnull=True, status=Lead.Status.NEW)
            .order_by("received_at", "id")[:limit]
        )
        if not waiting:
            return {"assigned": 0, "waiting": 0}
        for lead in waiting:
            owner_id = distributor.customer_owner(lead)
            cause = LeadAssignment.Cause.CUSTOMER_OWNER
            if owner_id is None:
                owner_id = distributor.pick(lead)
                cause = LeadAssignment.Cause.QUEUE
            if owner_id is not None:
                _set_owner(lead, owner_id, cause=cause, at=at, settings_row=settings_row)
                assigned += 1
    return {"assigned": assigned, "waiting": len(waiting) - assigned}


def reassign_unanswered(*, at: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Leads still new past their first-response time go to the next person; the supervisor of
    the person who missed it is told. Safe to run twice or at once (a lead re-assigned has a new
    time to answer by; rows are taken with SKIP LOCKED)."""
    at = at or timezone.now()
    moved = kept = 0
    if not Lead.objects.filter(status=Lead.Status.NEW, owner__isnull=False, respond_by__lte=at).exists():
        return {"reassigned": 0, "kept": 0}
    with transaction.atomic():
        distributor = _Distributor().lock()
        settings_row = distributor.settings
        overdue = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(status=Lead.Status.NEW, owner__isnull=False, respond_by__lte=at)
            .order_by("respond_by", "id")[:limit]
        )
        if not overdue:
            return {"reassigned": 0, "kept": 0}
        for lead in overdue:
            missed_by = lead.owner_id
            owner_id = distributor.pick(lead, exclude=[missed_by])
            if owner_id is not None:
                lead.reassign_count += 1
                _set_owner(lead, owner_id, cause=LeadAssignment.Cause.NO_RESPONSE, at=at, settings_row=settings_row)
                moved += 1
            else:
                lead.respond_by = None
                lead.save(update_fields=["respond_by"])
                kept += 1
            notify(
                recipients=supervisors_of([missed_by]),
                kind="leads.no_response",
                title=format_lazy(gettext_lazy("Lead not answered in time: {name}"), name=str(lead)),
                body=gettext_lazy("It was re-assigned.")
                if owner_id is not None
                else gettext_lazy("Nobody else could take it."),
                url=lead_url(lead.pk),
                data={"lead": lead.pk, "missed_by": missed_by, "owner": owner_id},
            )
    return {"reassigned": moved, "kept": kept}


# --- handover -------------------------------------------------------------------------------------


def leads_give_to(
    *, customer_ids=(), from_owner_id: int | None = None, owner_id: int | None, at: datetime, by=None
) -> int:
    """Give the open leads of these customers (and every open lead of ``from_owner_id``) to
    ``owner_id``, or back to the queue (None): part of a handover, in its transaction."""
    condition = Q(customer_id__in=sorted(set(customer_ids)))
    if from_owner_id is not None:
        condition |= Q(owner_id=from_owner_id)
    leads = list(
        Lead.objects.select_for_update(of=("self",))
        .filter(condition, status__in=Lead.OPEN_STATUSES)
        .exclude(owner_id=owner_id)
        .order_by("pk")
    )
    if not leads:
        return 0
    settings_row = selectors.lead_settings_get()
    for lead in leads:
        _set_owner(
            lead, owner_id, cause=LeadAssignment.Cause.HANDOVER, at=at, settings_row=settings_row, by=by, quiet=True
        )
    return len(leads)


def merge_customer_leads(*, survivor, merged) -> dict:
    """Move the merged customer's leads to the survivor (inside the merge)."""
    return {"leads": Lead.objects.filter(customer_id=merged.pk).update(customer_id=survivor.pk)}
