"""Facts published to HQ (store schema): the transactional outbox of architecture.md, Federation.

A service that changes something HQ reports on writes an ``OutboxEvent`` in the same transaction
(``tenant_apps.outbox.services.publish``). An event names the entity that changed, not the change:
the drain job re-reads the entity's current state and upserts the public rollups from it, so
events may be drained twice, late or out of order without losing or duplicating anything.
"""

from __future__ import annotations

import uuid

from django.db import models


class OutboxEvent(models.Model):
    class Topic(models.TextChoices):
        ORDER = "order"  # an order was signed, changed (status, money, rating) or cancelled
        PAYMENT = "payment"  # a payment record was confirmed or rejected
        CUSTOMER = "customer"  # a customer was created or changed owner/channel/province, or merged
        RELEASE = "release"  # a customer was released to the pool
        FOLLOW_UP = "follow_up"  # a follow-up was recorded
        ENQUIRY = "enquiry"  # daily enquiry figures or contacts changed
        LEAD = "lead"  # a lead was created, assigned, contacted, converted or lost (payload "event")

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    entity_id = models.BigIntegerField()
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the drain once the rollups hold this event; undrained rows are the backlog.
    drained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=models.Q(drained_at__isnull=True), name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.topic}:{self.entity_id}"
