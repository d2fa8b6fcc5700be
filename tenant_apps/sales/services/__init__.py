"""Writes of sales: catalogue, quotations, orders, their pipeline, deliveries and feedback.

Every write runs in one transaction and validates everything before writing anything. Orders are
locked (``select_for_update``) before a transition so that two people acting at once never both
succeed; every transition writes an ``OrderEvent`` and publishes the order to the outbox in the
same transaction. Side effects (notifications' emails, signals) happen after commit.

The discount rule (product.md 3.3): the discount rate is amount / list amount (4 places); below
the store's threshold a quotation needs a supervisor's approval before it can be sent or ordered,
and an order made directly from lines is refused unless its creator may approve quotations.

The services take typed keyword arguments (``tenant_apps.sales.inputs`` parses a request's body or
a page's form into them, once, at the edge) and check only the rules of the business: what the
ids name and whether the caller may see it, states and roles (``tenant_apps.sales.rules``), the
discount threshold.

The writes live in one module per part: ``common`` (the records an input names, priced lines,
numbering, the order core that finance and after-sales call), ``catalogue``, ``quotations``,
``orders``, ``deliveries`` and ``handover`` (customers' merges and handovers). This package
exports what other modules call.
"""

from tenant_apps.sales.services.catalogue import (
    category_create,
    category_update,
    costs_in_effect,
    order_cost,
    product_cost_add,
    product_create,
    product_update,
)
from tenant_apps.sales.services.common import (
    discount_rate,
    order_event_add,
    order_lock,
    order_payment_changed,
    order_url,
)
from tenant_apps.sales.services.deliveries import delivery_create, delivery_fail, delivery_transition
from tenant_apps.sales.services.handover import merge_customer_sales, open_sales_give_to
from tenant_apps.sales.services.orders import order_create, order_feedback, order_transition
from tenant_apps.sales.services.quotations import (
    quotation_accept,
    quotation_approve,
    quotation_create,
    quotation_preview,
    quotation_reject,
    quotation_send,
    quotation_submit,
    quotation_update,
    quotations_expire,
)

__all__ = [
    "category_create",
    "category_update",
    "costs_in_effect",
    "delivery_create",
    "delivery_fail",
    "delivery_transition",
    "discount_rate",
    "merge_customer_sales",
    "open_sales_give_to",
    "order_cost",
    "order_create",
    "order_event_add",
    "order_feedback",
    "order_lock",
    "order_payment_changed",
    "order_transition",
    "order_url",
    "product_cost_add",
    "product_create",
    "product_update",
    "quotation_accept",
    "quotation_approve",
    "quotation_create",
    "quotation_preview",
    "quotation_reject",
    "quotation_send",
    "quotation_submit",
    "quotation_update",
    "quotations_expire",
]
