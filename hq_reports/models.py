"""HQ report facts (public schema), fed from every store's outbox (see ``hq_reports.rollups``).

Each table holds, per store, one row per store entity with exactly the columns the HQ figures of
metrics.md need, keyed by ``(store, <entity>_id)``. Entity ids are the store's own ids: there is
no foreign key to a store table (a public table cannot point into a schema), only to ``Store``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class FactBase(models.Model):
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        abstract = True


class OrderFact(FactBase):
    order_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    owner_id = models.BigIntegerField()
    channel_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=20, blank=True)  # the channel's platform, "" without channel
    device = models.CharField(max_length=10)
    status = models.CharField(max_length=20)
    cancelled = models.BooleanField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    collected = models.DecimalField(max_digits=14, decimal_places=2)
    payment_mode = models.CharField(max_length=10)
    due_date = models.DateField(null=True)
    fully_collected_at = models.DateTimeField(null=True)
    signed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True)
    rating = models.PositiveSmallIntegerField(null=True)
    # The customer's province (refreshed with the customer's orders when the customer changes).
    province = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "order_id"], name="orderfact_key")]
        indexes = [
            models.Index(fields=["signed_at", "store"], name="orderfact_signed"),
            models.Index(fields=["store", "customer_id", "signed_at"], name="orderfact_customer"),
            models.Index(fields=["completed_at"], condition=Q(completed_at__isnull=False), name="orderfact_completed"),
            # Overdue receivables: credit orders still owed, or fully collected only recently.
            models.Index(
                fields=["due_date"],
                condition=Q(payment_mode="credit", cancelled=False, collected__lt=F("amount")),
                name="orderfact_credit_owed",
            ),
            models.Index(
                fields=["fully_collected_at"],
                condition=Q(payment_mode="credit", cancelled=False),
                name="orderfact_credit_collected",
            ),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class OrderLineFact(FactBase):
    line_id = models.BigIntegerField()
    order_id = models.BigIntegerField()
    sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    category_name = models.CharField(max_length=80, blank=True)
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # Copied from the order, so that rankings need no join.
    signed_at = models.DateTimeField()
    cancelled = models.BooleanField()
    channel_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=20, blank=True)
    owner_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "line_id"], name="orderlinefact_key")]
        indexes = [
            models.Index(fields=["signed_at"], condition=Q(cancelled=False), name="orderlinefact_signed"),
            models.Index(fields=["store", "order_id"], name="orderlinefact_order"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class CustomerFact(FactBase):
    customer_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    channel_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=20, blank=True)
    owner_id = models.BigIntegerField(null=True)
    owner_since = models.DateTimeField(null=True)
    province = models.CharField(max_length=40, blank=True)
    merged = models.BooleanField(default=False)
    first_order_at = models.DateTimeField(null=True)
    second_order_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "customer_id"], name="customerfact_key")]
        indexes = [
            models.Index(fields=["created_at", "store"], name="customerfact_created"),
            models.Index(
                fields=["store", "owner_since"], condition=Q(owner_id__isnull=False), name="customerfact_owned"
            ),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class PaymentFact(FactBase):
    """A confirmed payment record (others are not facts)."""

    payment_id = models.BigIntegerField()
    order_id = models.BigIntegerField()
    kind = models.CharField(max_length=12)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    confirmed_at = models.DateTimeField()
    customer_id = models.BigIntegerField()
    channel_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=20, blank=True)
    owner_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "payment_id"], name="paymentfact_key")]
        indexes = [
            models.Index(fields=["confirmed_at"], name="paymentfact_confirmed"),
            models.Index(fields=["store", "order_id"], name="paymentfact_order"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class ReleaseFact(FactBase):
    release_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    former_owner_id = models.BigIntegerField()
    cause = models.CharField(max_length=20)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "release_id"], name="releasefact_key")]
        indexes = [
            models.Index(fields=["at"], name="releasefact_at"),
            models.Index(fields=["store", "customer_id"], name="releasefact_customer"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class ClaimFact(FactBase):
    """An approved claim: the customer changed hands from the pool to ``applicant`` at ``decided_at``."""

    claim_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    applicant_id = models.BigIntegerField()
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "claim_id"], name="claimfact_key")]
        indexes = [models.Index(fields=["store", "customer_id", "decided_at"], name="claimfact_customer")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class FollowUpFact(FactBase):
    follow_up_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    author_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "follow_up_id"], name="followupfact_key")]
        indexes = [models.Index(fields=["store", "customer_id", "created_at"], name="followupfact_customer")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class EnquiryFact(FactBase):
    """A store's daily enquiry figures for one channel and local day."""

    enquiry_id = models.BigIntegerField()
    day = models.DateField()
    channel_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=20, blank=True)
    enquiries = models.PositiveIntegerField()
    new_enquiries = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "enquiry_id"], name="enquiryfact_key")]
        indexes = [models.Index(fields=["day", "store"], name="enquiryfact_day")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class StoreFeed(models.Model):
    """Per store: the drain's and the reconciliation's bookkeeping, and the settings figures need.

    ``last_drained_at`` and ``pending_since`` are written by every drain batch, in its transaction;
    they tell HQ how fresh the store's facts are without looking into the store
    (``hq_reports.dashboard.store_freshness``).
    """

    store = models.OneToOneField("tenants.Store", on_delete=models.CASCADE, primary_key=True, related_name="+")
    return_visit_window_days = models.PositiveSmallIntegerField(default=7)
    events_applied = models.BigIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)
    last_drained_at = models.DateTimeField(null=True)
    # When the last drain batch committed: the time of the oldest outbox event it left pending
    # (committed during the drain, or beyond its last batch); null when it left none.
    pending_since = models.DateTimeField(null=True, blank=True)
    last_reconciled_at = models.DateTimeField(null=True)
    last_reconcile_report = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"
