"""What every part of outgoing webhooks uses: the consumer's name, the test event, the request
body, and queueing an endpoint's deliveries after commit."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from django.db import connection
from django.utils import timezone

from shared_apps.platform import runners
from shared_apps.platform.commits import after_commit
from tenant_apps.outbox.events import EVENT_TYPES
from tenants.storetime import current_store, store_zone

logger = logging.getLogger(__name__)

CONSUMER = "webhooks"
TEST_EVENT = "webhook.test"


def subscribable_types() -> list[str]:
    return sorted(t for t in EVENT_TYPES if t != TEST_EVENT)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def body_for(*, event_id, event_type: str, created_at: datetime, data: dict) -> str:
    """The request body of api.md: ``{"id", "type", "created_at", "store", "data"}``."""
    return json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "created_at": timezone.localtime(created_at, store_zone()).isoformat(),
            "store": current_store().subdomain,
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def endpoint_key(endpoint_id: int) -> str:
    """The sending of an endpoint's deliveries in the current store (its runner's lock, and its
    wake-up's mark: ``shared_apps.platform.runners``)."""
    return f"{connection.schema_name}:webhook-endpoint:{endpoint_id}"


def _after_commit_deliver(endpoint_ids) -> None:
    from tenant_apps.webhooks import tasks

    ids = sorted(endpoint_ids)

    def send_tasks():
        for endpoint_id in ids:
            try:
                runners.wake_once(
                    endpoint_key(endpoint_id), lambda endpoint_id=endpoint_id: tasks.deliver_endpoint.delay(endpoint_id)
                )
            except Exception:
                logger.warning("could not queue the deliveries of webhook endpoint %s", endpoint_id, exc_info=True)

    after_commit(send_tasks, robust=True)
