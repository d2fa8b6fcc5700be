"""Deliveries asked for by hand: a delivery sent again, a test event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import NotFound
from tenant_apps.outbox import services as outbox
from tenant_apps.webhooks.models import Delivery
from tenant_apps.webhooks.services.common import TEST_EVENT, _after_commit_deliver, _int, body_for
from tenant_apps.webhooks.services.endpoints import endpoint_get


def redeliver(*, endpoint_id, delivery_id) -> Delivery:
    """Send a delivery's event again now, as a new delivery (the same ``webhook-id``)."""
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    original = Delivery.objects.filter(pk=_int(delivery_id), endpoint=endpoint).first()
    if original is None:
        raise NotFound(_("No such delivery."))
    with transaction.atomic():
        again = Delivery.objects.create(
            endpoint=endpoint,
            event_id=original.event_id,
            event_type=original.event_type,
            entity=original.entity,
            entity_id=original.entity_id,
            body=original.body,
            manual=True,
            next_attempt_at=timezone.now(),
        )
    _after_commit_deliver({endpoint.pk})
    return again


def send_test(*, endpoint_id, access: StoreAccess | None = None) -> Delivery:
    """A ``webhook.test`` event (written to the event log) delivered to this one endpoint now."""
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    sent_by = access.user.pk if access is not None else None
    data = {"endpoint": endpoint.pk, "url": endpoint.url, "sent_by": sent_by}
    with transaction.atomic():
        event = outbox.emit(TEST_EVENT, entity="webhook", entity_id=endpoint.pk, data=data)
        event_id, at = event.event_id, event.created_at
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=TEST_EVENT,
            entity="webhook",
            entity_id=endpoint.pk,
            body=body_for(event_id=event_id, event_type=TEST_EVENT, created_at=at, data=data),
            manual=True,
            next_attempt_at=at,
        )
    _after_commit_deliver({endpoint.pk})
    return delivery
