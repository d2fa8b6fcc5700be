"""Outgoing webhooks: endpoints, the consumer that turns the store's events into deliveries, and
the delivery loop (retries with backoff for 24 hours, per-entity order, auto-disable).

How a delivery travels:

1. the event log's consumer ``webhooks`` (``consume``) reads events after its cursor and, in one
   transaction, writes a ``Delivery`` per subscribed active endpoint and moves the cursor (a
   unique constraint on (endpoint, event) makes a second run harmless);
2. after that commit, one Celery task per endpoint (``tasks.deliver_endpoint``, queue ``webhooks``)
   sends that endpoint's due deliveries (``deliver_due``): a slow endpoint only ever occupies its
   own task, never another endpoint's or another store's;
3. a delivery for an entity waits while an earlier automatic delivery of the same entity to the
   same endpoint is pending, so an integrator sees one order's events in order;
4. a failure is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, ... until 24 hours after the
   first attempt (the last attempt at 24 h), then the delivery is failed; an endpoint whose every
   delivery has failed for 3 days is disabled and the store's admins are told.

The worker may die mid-delivery: the row stays pending and the sweep (``webhooks.deliver``) sends it
again: at least once, and receivers de-duplicate by ``webhook-id`` (the event id).

The writes live in one module per part: ``common`` (the consumer's name, the body, queueing after
commit), ``endpoints``, ``consuming``, ``delivering`` and ``by_hand`` (a delivery sent again, a test
event). This package exports what other modules call.
"""

from tenant_apps.webhooks.services.by_hand import redeliver, send_test
from tenant_apps.webhooks.services.common import CONSUMER, subscribable_types
from tenant_apps.webhooks.services.consuming import consume, deliveries_for
from tenant_apps.webhooks.services.delivering import deliver_due, sweep
from tenant_apps.webhooks.services.endpoints import (
    endpoint_create,
    endpoint_delete,
    endpoint_get,
    endpoint_update,
    new_secret,
)

__all__ = [
    "CONSUMER",
    "consume",
    "deliver_due",
    "deliveries_for",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_get",
    "endpoint_update",
    "new_secret",
    "redeliver",
    "send_test",
    "subscribable_types",
    "sweep",
]
