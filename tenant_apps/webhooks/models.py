"""Outgoing webhooks (store schema): the endpoints a store admin registers and the deliveries of the
store's events to them (api.md, Webhook deliveries)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    # Event types ("order.created", ...) or ["*"] for every type.
    events = models.JSONField(default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # "whsec_" + base64 of 24 random bytes: the Standard Webhooks signing secret (shown once).
    secret = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Since when every delivery has failed (None: the last one succeeded); 3 days → disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=50)
    entity = models.CharField(max_length=30, blank=True)
    entity_id = models.BigIntegerField(null=True, blank=True)
    # The request body, fixed when the delivery is made: every attempt sends the same bytes.
    body = models.TextField()
    # Asked for by hand (redelivery, test event): sent at once, outside the per-entity order.
    manual = models.BooleanField(default=False)
    attempt = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], condition=models.Q(manual=False), name="webhooks_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhooks_delivery_due",
            ),
            models.Index(
                fields=["endpoint", "entity", "entity_id", "id"],
                condition=models.Q(status="pending", manual=False),
                name="webhooks_delivery_entity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}"
