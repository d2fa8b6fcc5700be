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

One module per part: ``common`` (validation, who may do what), ``distribution``, ``intake``,
``working`` (assigning, contacting, converting, losing a lead), ``configuration``, ``periodic``
and ``handover``. This package exports what other modules call.
"""

from tenant_apps.leads.services.common import LEAD_FIELDS, lead_url, owner_members, supervisors_of
from tenant_apps.leads.services.configuration import agent_set_duty, lead_settings_update, rule_create, rule_delete
from tenant_apps.leads.services.handover import leads_give_to, merge_customer_leads
from tenant_apps.leads.services.intake import lead_create
from tenant_apps.leads.services.periodic import distribute_queue, reassign_unanswered
from tenant_apps.leads.services.working import lead_assign, lead_contact, lead_convert, lead_lose

__all__ = [
    "LEAD_FIELDS",
    "agent_set_duty",
    "distribute_queue",
    "lead_assign",
    "lead_contact",
    "lead_convert",
    "lead_create",
    "lead_lose",
    "lead_settings_update",
    "lead_url",
    "leads_give_to",
    "merge_customer_leads",
    "owner_members",
    "reassign_unanswered",
    "rule_create",
    "rule_delete",
    "supervisors_of",
]
