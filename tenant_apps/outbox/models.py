"""The store's event log (store schema): the transactional outbox of architecture.md, Federation.

A service that changes something writes an ``OutboxEvent`` in the same transaction
(``tenant_apps.outbox.services.publish`` / ``emit``), so the event commits or rolls back with the
change. One row serves every consumer:

- the HQ drain reads rows with a ``topic`` (the entity that changed, not the change: it re-reads the
  entity's current state, so events may be drained twice, late or out of order) and marks each row
  ``drained_at`` (its per-row cursor, with the partial index ``outbox_pending``). A row without a
  topic is written already drained: the drain never sees it;
- the public domain events (``type`` such as ``order.created``, ``entity``, and ``data``: the object
  as the REST API shows it) are read by cursor consumers (webhooks, automation) through
  ``selectors.events_after``, each with its own ``EventCursor``; a row without a ``type`` is an
  HQ-only fact that no cursor consumer reads.

``txid`` is the writing transaction's id, set by the database (``pg_current_xact_id()``); the
cursor consumers order and bound their reads with it (see ``selectors.events_after``).
"""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class TransactionIdField(models.BigIntegerField):
    """A PostgreSQL ``xid8`` (64-bit transaction id, never wraps), read as an int."""

    def db_type(self, connection) -> str:
        return "xid8"

    def rel_db_type(self, connection) -> str:
        return "xid8"

    def from_db_value(self, value, expression, connection):
        return None if value is None else int(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        return None if value is None else str(int(value))


class CurrentTransactionId(models.Func):
    function = "pg_current_xact_id"
    template = "%(function)s()"
    output_field = TransactionIdField()


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
    # The HQ drain's topic; blank: a domain event HQ does not report on.
    topic = models.CharField(max_length=20, choices=Topic.choices, blank=True, default="")
    # The public event type ("order.created"); blank: an HQ-only fact.
    type = models.CharField(max_length=50, blank=True, default="")
    entity = models.CharField(max_length=30, blank=True, default="")
    entity_id = models.BigIntegerField()
    payload = models.JSONField(default=dict, blank=True)
    # The object as the REST API returns it, at the time of the event.
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    txid = TransactionIdField(db_default=CurrentTransactionId(), editable=False)
    # Set by the drain once the rollups hold this event; undrained rows are the backlog.
    drained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(drained_at__isnull=True), name="outbox_pending"),
            models.Index(fields=["txid", "id"], condition=~models.Q(type=""), name="outbox_typed"),
            models.Index(fields=["created_at"], name="outbox_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type or self.topic}:{self.entity_id}"


class EventCursor(models.Model):
    """How far one consumer of the event log has read: the last event it handled.

    ``position`` is that event's id; ``txid`` its transaction id (the read order is (txid, id))."""

    consumer = models.CharField(max_length=50, primary_key=True)
    position = models.BigIntegerField(default=0)
    txid = TransactionIdField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.consumer}@{self.position}"
