"""Distribution: the distributor that picks an owner under the store's rules, and the enquiry
figures a distributed lead refreshes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import F
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.commits import after_commit
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.enquiries import services as enquiry_services
from tenant_apps.leads import selectors
from tenant_apps.leads.models import DistributionRule, Lead, LeadAgent, LeadAssignment, LeadSettings
from tenant_apps.leads.services.common import _event, lead_url, owner_members
from tenant_apps.notifications.services import notify
from tenant_apps.workspace.selectors import store_settings_get
from tenants.storetime import local_day_bounds

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
        after_commit(
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
