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
    # The lines' cost and the lines without one (gross profit, metrics.md).
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0, db_default=0)
    lines_without_cost = models.IntegerField(default=0, db_default=0)
    # Derived from the facts themselves (``hq_reports.rollups.refresh_derived``), never from the
    # store: the customer's non-cancelled orders in (signed_at, order_id) order, so that paying,
    # repurchasing and new customers of any period are counted in one pass over its orders.
    # Null on a cancelled order.
    prev_signed_at = models.DateTimeField(null=True)  # the customer's previous order
    prev_platform_signed_at = models.DateTimeField(null=True)  # ... of the same channel platform
    next_signed_at = models.DateTimeField(null=True)  # the customer's next order
    customer_first_at = models.DateTimeField(null=True)  # the customer's first order
    # Completed, and the customer got a follow-up within the store's return-visit window after.
    revisited = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "order_id"], name="orderfact_key")]
        indexes = [
            # Index-only scans of a period's orders (every column the dashboard reads of them).
            models.Index(
                fields=["signed_at"],
                include=[
                    "store",
                    "amount",
                    "cost",
                    "lines_without_cost",
                    "platform",
                    "device",
                    "province",
                    "prev_signed_at",
                    "prev_platform_signed_at",
                    "next_signed_at",
                    "customer_first_at",
                ],
                condition=Q(cancelled=False),
                name="orderfact_signed_live",
            ),
            models.Index(fields=["store", "customer_id", "signed_at"], name="orderfact_customer"),
            models.Index(
                fields=["completed_at"],
                include=["store", "platform", "rating", "revisited"],
                condition=Q(completed_at__isnull=False, cancelled=False),
                name="orderfact_completed_live",
            ),
            # Overdue receivables: credit orders still owed, or fully collected only recently.
            # Open credit orders (still owed): by due date, by signing time, and per store for
            # the store's total (``StoreTotals.credit_owed``).
            models.Index(
                fields=["due_date"],
                include=["store", "platform", "amount", "collected", "signed_at"],
                condition=Q(payment_mode="credit", cancelled=False, collected__lt=F("amount")),
                name="orderfact_credit_open",
            ),
            models.Index(
                fields=["signed_at"],
                include=["store", "platform", "amount", "collected", "due_date"],
                condition=Q(payment_mode="credit", cancelled=False, collected__lt=F("amount")),
                name="orderfact_credit_open_signed",
            ),
            models.Index(
                fields=["store"],
                include=["platform", "amount", "collected"],
                condition=Q(payment_mode="credit", cancelled=False, collected__lt=F("amount"), due_date__isnull=False),
                name="orderfact_credit_open_store",
            ),
            models.Index(
                fields=["fully_collected_at"],
                include=["store", "platform", "amount", "collected", "due_date", "signed_at"],
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
    # Derived (``rollups.refresh_derived``): the order's first line (by line id) of this SKU, of
    # this category; the rankings count an order once per product and per category with them.
    first_of_sku = models.BooleanField(default=True, db_default=True)
    first_of_category = models.BooleanField(default=True, db_default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "line_id"], name="orderlinefact_key")]
        indexes = [
            models.Index(
                fields=["signed_at"],
                include=[
                    "store",
                    "platform",
                    "sku",
                    "product_name",
                    "category_name",
                    "quantity",
                    "amount",
                    "first_of_sku",
                    "first_of_category",
                ],
                condition=Q(cancelled=False),
                name="orderlinefact_signed_live",
            ),
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
    # Derived from the order facts (``rollups.refresh_derived``): the customer's last non-cancelled
    # order signed before ``created_at`` and first one signed at or after it. A customer created in
    # P = [s, e) has an order in P exactly when the first is at or after s or the second before e.
    order_before_created_at = models.DateTimeField(null=True)
    order_from_created_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "customer_id"], name="customerfact_key")]
        indexes = [
            models.Index(
                fields=["created_at"],
                include=["store", "platform", "merged", "order_before_created_at", "order_from_created_at"],
                name="customerfact_created_cover",
            ),
            models.Index(
                fields=["store"],
                include=["platform"],
                condition=Q(owner_id__isnull=False, owner_since__isnull=False, merged=False),
                name="customerfact_owned_store",
            ),
            # Owned customers whose ownership began after a moment (subtracted from ``OwnedCustomers``).
            models.Index(
                fields=["owner_since"],
                include=["store", "platform"],
                condition=Q(owner_id__isnull=False, owner_since__isnull=False, merged=False),
                name="customerfact_owned_since",
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
    # Derived (``rollups.refresh_derived``): the order's fact, as overdue receivables need it of a
    # collection confirmed after the moment they are taken at.
    order_credit = models.BooleanField(default=False, db_default=False)  # a credit order, not cancelled
    order_open = models.BooleanField(default=False, db_default=False)  # still owed (collected < amount)
    order_due_date = models.DateField(null=True)
    order_signed_at = models.DateTimeField(null=True)
    order_fully_collected_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "payment_id"], name="paymentfact_key")]
        indexes = [
            models.Index(
                fields=["confirmed_at"],
                include=[
                    "store",
                    "platform",
                    "amount",
                    "order_open",
                    "order_due_date",
                    "order_signed_at",
                    "order_fully_collected_at",
                ],
                condition=Q(kind="collection", order_credit=True),
                name="paymentfact_credit_collection",
            ),
            models.Index(
                fields=["confirmed_at"],
                include=["store", "platform", "kind", "amount", "order_id"],
                name="paymentfact_confirmed_cover",
            ),
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
        indexes = [
            models.Index(fields=["day"], include=["store", "platform", "new_enquiries"], name="enquiryfact_day_cover")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class StoreTotals(models.Model):
    """Per store and platform, totals over the whole history kept by ``rollups.refresh_derived``
    whenever the store's facts change, so that figures "at a moment" read only what changed since:

    - ``owned``: live customers (not merged) owned by a salesperson now, with an ``owner_since``
      (the customer's platform); the lost rate's "owned at start" subtracts those owned only since
      after the start;
    - ``credit_owed``: what non-cancelled credit orders with a due date still owe (the order's
      platform); overdue receivables subtract what is not yet due or was signed after the moment.
    """

    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+", db_index=False)
    platform = models.CharField(max_length=20, blank=True)
    owned = models.IntegerField(default=0)
    credit_owed = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "platform"], name="storetotals_key")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.platform}"


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
    # The zone whose local days the store's facts are summed in (``DayRollup``); "" while they are
    # in no day rollup. Every drain batch and reconciliation sets it to the store's zone; changing it
    # moves the store's sums from the old zone's days to the new one's (a database trigger).
    rollup_zone = models.CharField(max_length=64, blank=True, default="", db_default="")

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id}:{self.pk}"


class DayRollupFields(models.Model):
    """The key and sums of a day rollup row (``DayRollup``, ``DayRollupDelta``).

    ``part`` says which facts are summed and by which day (local to ``zone``); ``facts`` counts
    them in every part:

    - ``orders``: non-cancelled orders by signing day, per platform, device and province; ``amount``
      is their gmv;
    - ``completed``: non-cancelled orders by completion day, per platform; ``rated``, ``positive``
      (rated 4-5) and ``revisited`` (the order's return-visit flag) count among them;
    - ``lines``: lines of non-cancelled orders by signing day, per platform, SKU, product and category
      name: ``amount``, ``quantity``, ``sku_orders`` (lines first of their SKU in their order: each
      order once per product) and ``category_orders`` (first of their category);
    - ``payments``: confirmed payment records by confirmation day, per platform; ``amount`` is their
      net revenue (refunds negative);
    - ``enquiries``: the daily enquiry figures by their day, per platform: ``new_enquiries``.
    """

    zone = models.CharField(max_length=64)
    day = models.DateField()
    part = models.CharField(max_length=10)
    platform = models.CharField(max_length=20, blank=True)
    device = models.CharField(max_length=10, blank=True)
    province = models.CharField(max_length=40, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    product_name = models.CharField(max_length=200, blank=True)
    category_name = models.CharField(max_length=80, blank=True)
    facts = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    quantity = models.BigIntegerField(default=0)
    sku_orders = models.BigIntegerField(default=0)
    category_orders = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    positive = models.BigIntegerField(default=0)
    revisited = models.BigIntegerField(default=0)
    new_enquiries = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.zone} {self.day} {self.part}"


DAY_ROLLUP_KEY = ("zone", "part", "day", "platform", "device", "province", "sku", "product_name", "category_name")
DAY_ROLLUP_SUMS = (
    "facts",
    "amount",
    "quantity",
    "sku_orders",
    "category_orders",
    "rated",
    "positive",
    "revisited",
    "new_enquiries",
)


class DayRollup(DayRollupFields):
    """The facts of every store whose ``StoreFeed.rollup_zone`` is ``zone``, summed per local day of
    that zone (see ``DayRollupFields`` for the parts), so that a dashboard over every store reads a
    few thousand rows instead of the facts of its period. One row per key; rows whose sums are all
    zero are removed.

    Kept exact by database triggers on the order, line, payment and enquiry facts and on ``StoreFeed``
    (migration 0005): every statement that writes them appends the change of the sums (what the
    new rows add less what the old rows added) to ``DayRollupDelta``, whoever writes. The job
    ``hq.fold_day_rollups`` adds those changes in here; a reader sums both
    (``hq_reports.rollups.day_rollup_differences`` compares them with a direct computation)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(DAY_ROLLUP_KEY), name="dayrollup_key")]


class DayRollupDelta(DayRollupFields):
    """Changes of ``DayRollup`` sums not yet added to it (appended by the fact triggers: appends
    never wait on another store's drain; folded by ``rollups.fold_day_rollups``)."""

    class Meta:
        indexes = [models.Index(fields=["zone", "part", "day"], name="dayrollupdelta_zone_day")]
