"""Writes of finance: payment records and their vouchers, confirmation, invoices, reminders.

The money rules (metrics.md, "Money on an order") are checked under a lock on the order row, when
a record is made and again when it is confirmed:

* a collection is refused when pending + confirmed collections + the amount exceed the order's
  amount (409 ``over_collection``); confirming one is refused when confirmed collections + the
  amount would exceed it;
* a refund is refused when pending + confirmed refunds + the amount exceed collected +
  supplemented (409 ``over_refund``); confirming one when confirmed refunds + the amount would;
* collections and supplements are refused on a cancelled order (refunds are allowed).

Lock order, the same everywhere: the order row, then payment or invoice rows. Confirming keeps the
order's ``collected`` / ``supplemented`` / ``refunded`` (and ``fully_collected_at``) in the same
transaction, lets sales move the order on (``order_payment_changed``), writes the timeline and the
outbox; notifications and the ``payment_confirmed`` / ``payment_rejected`` signals follow the commit.

The services take their fields parsed (``finance.inputs`` reads the API's bodies and the pages'
forms: ``Decimal`` amounts, checked files) and the caller's ``access``; they check the rules
before writing anything, and take ``at`` (None means now). Confirming and rejecting follow the
steps of ``shared_apps.accounts.transitions``.

One module per part: ``common`` (the money checks, locks, vouchers, signals),
``payments``, ``invoices`` and ``reminders``. This package exports what other modules call.
"""

from tenant_apps.finance.services.common import order_url
from tenant_apps.finance.services.invoices import invoice_cancel, invoice_issue, invoice_mail, invoice_request
from tenant_apps.finance.services.payments import (
    payment_confirm,
    payment_create,
    payment_reject,
    record_imported_collection,
    refund_create,
)
from tenant_apps.finance.services.reminders import send_receivable_reminders

__all__ = [
    "invoice_cancel",
    "invoice_issue",
    "invoice_mail",
    "invoice_request",
    "order_url",
    "payment_confirm",
    "payment_create",
    "payment_reject",
    "record_imported_collection",
    "refund_create",
    "send_receivable_reminders",
]
