"""Who may move a case where: the one table both the services (which enforce it) and the pages and
the API (which show only the actions a caller may take) read.

* approve / reject: ``aftersales.approve`` (supervisors, admins), pending cases, never one's own
  application;
* process: ``aftersales.process``, approved cases;
* return_received: ``aftersales.process`` (the warehouse), a return being processed whose goods
  are not back yet;
* complete: ``aftersales.process``, a return without money whose goods are back;
* cancel: the applicant or an approver, before processing.
"""

from __future__ import annotations

from decimal import Decimal

from shared_apps.accounts.access import StoreAccess
from tenant_apps.aftersales.models import Case

APPROVE = "approve"
REJECT = "reject"
PROCESS = "process"
RETURN_RECEIVED = "return_received"
COMPLETE = "complete"
CANCEL = "cancel"
ACTIONS = (APPROVE, REJECT, PROCESS, RETURN_RECEIVED, COMPLETE, CANCEL)

S = Case.Status


def state_allows(case: Case, action: str) -> bool:
    """Whether the case's state allows ``action`` at all (whoever asks)."""
    status = case.status
    if action in (APPROVE, REJECT):
        return status == S.PENDING_APPROVAL
    if action == PROCESS:
        return status == S.APPROVED
    if action == RETURN_RECEIVED:
        return status == S.PROCESSING and case.type == Case.Type.RETURN_REFUND and case.return_received_at is None
    if action == COMPLETE:
        return (
            status == S.PROCESSING
            and case.type == Case.Type.RETURN_REFUND
            and case.return_received_at is not None
            and (case.amount or Decimal("0")) == 0
        )
    if action == CANCEL:
        return status in (S.PENDING_APPROVAL, S.APPROVED)
    return False


def role_allows(case: Case, action: str, access: StoreAccess) -> bool:
    """Whether the caller's role allows ``action`` on this case."""
    if access.read_only:
        return False
    if action in (APPROVE, REJECT):
        return access.can("aftersales.approve") and case.applicant_id != access.user.pk
    if action in (PROCESS, RETURN_RECEIVED, COMPLETE):
        return access.can("aftersales.process")
    if action == CANCEL:
        return case.applicant_id == access.user.pk or access.can("aftersales.approve")
    return False


def allowed_actions(case: Case, access: StoreAccess) -> list[str]:
    return [action for action in ACTIONS if state_allows(case, action) and role_allows(case, action, access)]
