"""Writes of after-sales: applications, decisions, processing, completion and cancellation.

Every write validates everything first and runs in one transaction. Lock order, the same
everywhere: the order row (``sales.services.order_lock``), then the case row. Holding the order
lock while checking makes the two rules that span cases safe against people acting at once:

* money: the refunds of an order (after-sales and direct, pending and confirmed) never exceed
  what was received for it (collected + supplemented). An application or an approval may not ask
  for more than the order's refundable amount (finance) minus what other open cases of the order
  have asked for and not yet turned into a refund record; the refund record itself is created by
  finance, which checks the same sum again under the same lock (409 ``over_refund``);
* quantities: the units of an order line in a case never exceed the units ordered minus those
  already returned, exchanged or re-sent by the order's other cases that are not rejected or
  cancelled (refund-only cases name the goods the money is for and take no units).

A wrong state, or a role that may not take the step, is 409 ``invalid_transition`` and changes
nothing. Notifications are written with the change; their emails go after commit.

The services take their fields parsed (``aftersales.inputs`` reads the API's bodies and the
pages' forms) and the caller's ``access``; approving and rejecting follow the steps of
``shared_apps.accounts.transitions``.

One module per part: ``common`` (the order-wide checks, the case's lock, timeline and
notifications), ``applying``, ``decisions``, ``processing`` and ``reports`` (what finance and
the warehouse report back). This package exports what other modules call.
"""

from tenant_apps.aftersales.services.applying import case_apply
from tenant_apps.aftersales.services.common import (
    AFTER_GOODS_LEFT,
    BEFORE_GOODS_LEFT,
    COMMENT_MAX,
    REASON_MAX,
    REFUND_METHODS,
    UNIT_TYPES,
    units_taken,
)
from tenant_apps.aftersales.services.decisions import case_approve, case_cancel, case_reject
from tenant_apps.aftersales.services.processing import case_complete, case_process, case_return_received
from tenant_apps.aftersales.services.reports import delivery_received, refund_confirmed, refund_rejected

__all__ = [
    "AFTER_GOODS_LEFT",
    "BEFORE_GOODS_LEFT",
    "COMMENT_MAX",
    "REASON_MAX",
    "REFUND_METHODS",
    "UNIT_TYPES",
    "case_apply",
    "case_approve",
    "case_cancel",
    "case_complete",
    "case_process",
    "case_reject",
    "case_return_received",
    "delivery_received",
    "refund_confirmed",
    "refund_rejected",
    "units_taken",
]
