"""Celery task of webhooks: send one endpoint's due deliveries, in the store schema it was sent from
(tenant-schemas-celery), on the ``webhooks`` queue (``CELERY_TASK_ROUTES``) so that slow receivers
never hold up the store's other work. Acknowledged late: a worker that dies mid-delivery leaves
the deliveries pending; the broker (or the sweep) runs the task again."""

from __future__ import annotations

from celery import shared_task

from shared_apps.platform import runners
from tenant_apps.webhooks import services
from tenant_apps.webhooks.services.common import endpoint_key


@shared_task(name="webhooks.deliver_endpoint", acks_late=True)
def deliver_endpoint(endpoint_id: int) -> dict:
    runners.woken(endpoint_key(endpoint_id))
    return services.deliver_due(endpoint_id=endpoint_id)
