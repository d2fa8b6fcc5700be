"""The public event types of the store's event log (api.md, Webhook deliveries).

One declaration per type: what happened, to which entity. Webhook endpoints subscribe to these
(or ``*``); automation rules trigger on them; the OpenAPI document describes their payloads.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_TYPES: dict[str, object] = {
    "customer.created": _("A customer was created."),
    "customer.updated": _("A customer's details changed."),
    "customer.released": _("A customer was released to the pool."),
    "customer.claimed": _("A customer was claimed from the pool."),
    "customer.merged": _("Two customer records were merged into one."),
    "lead.created": _("A lead was received."),
    "lead.assigned": _("A lead was assigned to a salesperson."),
    "lead.contacted": _("A lead was contacted."),
    "lead.converted": _("A lead became a customer."),
    "lead.lost": _("A lead was lost."),
    "order.created": _("An order was signed."),
    "order.status_changed": _("An order moved to another status."),
    "order.cancelled": _("An order was cancelled."),
    "payment.confirmed": _("A payment record was confirmed."),
    "payment.rejected": _("A payment record was rejected."),
    "aftersales.created": _("An after-sales case was opened."),
    "aftersales.approved": _("An after-sales case was approved."),
    "aftersales.completed": _("An after-sales case was completed."),
    "quotation.approved": _("A quotation was approved."),
    "delivery.failed": _("A delivery was marked failed (lost, refused, returned), with the reason."),
    "webhook.test": _("A test event sent by hand to one webhook endpoint."),
}


def entity_of(event_type: str) -> str:
    """The entity an event type is about: ``order.created`` → ``order``."""
    return event_type.split(".", 1)[0]
