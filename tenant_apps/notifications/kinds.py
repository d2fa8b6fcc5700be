"""The kinds of notification a member can choose about, with their labels and email defaults.

A kind not listed here is still delivered in-app; its email follows the member's choice when one
was made, else the ``email`` default the caller of ``notify`` gives. Kinds are grouped by their
prefix (``pool.``, ``sales.``...) on the preferences page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any
    email: bool = False  # the default when the member has not chosen
    list_url: str = "/notifications/"  # where a digest of many of them points
    digest: bool = False  # several within the digest window fold into one notification


KINDS: tuple[Kind, ...] = (
    Kind("automation.alert", _("Automation alerts"), email=True, digest=True),
    Kind("automation.rule_failed", _("An automation rule failed"), email=True),
    Kind("customers.follow_up_due", _("Follow-ups due"), list_url="/customers/?follow_up_due=1", digest=True),
    Kind("pool.released", _("Customers returned to the shared pool"), email=True, list_url="/pool/", digest=True),
    Kind("pool.release_warning", _("Customers about to return to the pool"), email=True, digest=True),
    Kind("pool.claim_filed", _("Claims to decide"), list_url="/pool/claims/"),
    Kind("pool.claim_approved", _("Your claim approved")),
    Kind("pool.claim_rejected", _("Your claim rejected")),
    Kind("leads.assigned", _("Leads assigned to you"), email=True, list_url="/leads/"),
    Kind("leads.no_response", _("Leads not answered in time"), list_url="/leads/"),
    Kind("sales.quotation_submitted", _("Quotations to approve"), email=True),
    Kind("sales.quotation_decided", _("Your quotation decided")),
    Kind("sales.order_ready_for_outbound", _("Orders ready for outbound")),
    Kind("sales.delivery_ready_for_outbound", _("Deliveries ready for outbound")),
    Kind("sales.order_shipped", _("Orders shipped")),
    Kind("sales.delivery_failed", _("Deliveries failed"), email=True),
    Kind("finance.payment_recorded", _("Payment records to confirm"), list_url="/finance/"),
    Kind("finance.payment_confirmed", _("Payments confirmed")),
    Kind("finance.payment_rejected", _("Payments rejected")),
    Kind("finance.invoice_requested", _("Invoices requested")),
    Kind("finance.invoice_issued", _("Invoices issued")),
    Kind("finance.invoice_mailed", _("Invoices mailed")),
    Kind(
        "finance.receivable_overdue",
        _("Receivables overdue"),
        email=True,
        list_url="/finance/receivables/",
        digest=True,
    ),
    Kind("kanban.announcement", _("Announcements")),
    Kind("kanban.task_assigned", _("Work assigned to you"), email=True),
    Kind("kanban.task_done", _("Work done")),
    Kind("kanban.task_cancelled", _("Work cancelled")),
    Kind("kanban.daily_report", _("Daily reports of your team")),
    Kind("handover.done", _("Handovers")),
)

_BY_KEY = {kind.key: kind for kind in KINDS}


def get(key: str) -> Kind | None:
    return _BY_KEY.get(key)


def label(key: str) -> Any:
    kind = _BY_KEY.get(key)
    return kind.label if kind else key
