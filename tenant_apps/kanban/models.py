"""Data Kanban of a store: daily sales rollups and first-order facts, kept fresh from the change
journals the sales, finance and customers apps fill by triggers (``rollups``)."""

from __future__ import annotations

from django.db import models


class SalesRollup(models.Model):
    """Non-cancelled orders of one local day (store timezone) summed per channel and owner, per
    channel, per owner and for the whole store (``level``), by one dimension: ``device`` (key =
    device), ``province`` (key = the customer's province), ``sku`` (key = sku, label = product
    name) or ``category`` (key = category name). ``orders`` counts the distinct orders of the row;
    ``quantity`` is summed for line dimensions only. Rebuilt from the orders for any day that overlaps
    a UTC day marked in the apps' change journals (``rollups.CHANGED_DAYS``) before it is read."""

    day = models.DateField()
    kind = models.CharField(max_length=10)
    # 0: per channel and owner, 1: per channel (owner_id NULL), 2: per owner (channel_id NULL), 3: the store.
    level = models.SmallIntegerField()
    channel_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    key = models.CharField(max_length=200, blank=True)
    label = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    quantity = models.BigIntegerField(default=0)
    orders = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["level", "kind", "day"], name="kanban_rollup_level_kind_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.key}"


class RollupState(models.Model):
    """The time zone the rollup rows were built in (one row). When the store's zone differs, the
    next read rebuilds every row in the new zone."""

    singleton = models.BooleanField(default=True, unique=True)
    zone = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.zone


class OrderFact(models.Model):
    """A non-cancelled order with its place in its customer's history, so that the per-customer
    figures (paying customers, repurchase, customer mix, return visits) are counted in one scan of
    the period's orders instead of grouped by customer: the signing time of the customer's previous
    order overall, in the same channel, with the same owner and with both (``prev_*``; ``None``
    for the first), of the next order overall, of the first order ever, and, once completed, when
    the customer's first follow-up at or after completion was recorded (``visit_at``). "Previous"
    and "next" order the customer's orders by signing time, then id. Rebuilt for any customer
    marked in the apps' change journals (``rollups.CHANGED_CUSTOMERS``) before it is read
    (``rollups.ensure_customers_fresh``)."""

    order_id = models.BigIntegerField(primary_key=True)
    customer_id = models.BigIntegerField()
    channel_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    signed_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The order's cost and its lines without a cost (gross profit: metrics.md).
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0, db_default=0)
    lines_without_cost = models.IntegerField(default=0, db_default=0)
    first_at = models.DateTimeField()
    prev_at = models.DateTimeField(null=True)
    prev_channel_at = models.DateTimeField(null=True)
    prev_owner_at = models.DateTimeField(null=True)
    prev_both_at = models.DateTimeField(null=True)
    next_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)
    rating = models.SmallIntegerField(null=True)
    visit_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["signed_at"],
                include=[
                    "amount",
                    "cost",
                    "lines_without_cost",
                    "first_at",
                    "prev_at",
                    "next_at",
                    "channel_id",
                    "owner_id",
                ],
                name="kanban_fact_signed",
            ),
            models.Index(fields=["channel_id", "signed_at"], name="kanban_fact_channel_signed"),
            models.Index(fields=["owner_id", "signed_at"], name="kanban_fact_owner_signed"),
            models.Index(
                fields=["completed_at"],
                include=["rating", "visit_at", "channel_id", "owner_id"],
                condition=models.Q(completed_at__isnull=False),
                name="kanban_fact_completed",
            ),
            models.Index(fields=["customer_id"], name="kanban_fact_customer"),
        ]

    def __str__(self) -> str:
        return str(self.order_id)


class HistoryRollup(models.Model):
    """The order facts of one local day summed so that the per-customer figures of a period of up
    to ``rollups.GAP_DAYS`` whole days are read from a few rows per day instead of every order,
    exactly. ``gap`` is a distance in local days, capped at ``GAP_DAYS`` (which then also stands
    for "none"), and its meaning depends on ``kind``:

    - ``all``: every order, by the gap back to its customer's first order (day − first order's day):
      the orders and amount of a period, and of its new customers (gap ≤ day − the period's first day),
      with their ``cost`` and lines without a cost (``uncosted``) for gross profit;
    - ``paying``: every order, by the gap back to the previous order within the row's scope (the
      whole store, the channel, the owner or both, after ``level``): the customer's first order of
      the period when gap > day − the period's first day;
    - ``once``: the customers' first orders ever, by the gap forward to the next order: a paying
      customer who did not repurchase when gap > the period's last day − day;
    - ``new``: the orders with no previous order within the scope, by the gap back to the first
      order ever: a new paying customer when gap ≤ day − the period's first day;
    - ``done``: orders by their day of completion, by the whole days from completion to the first
      follow-up: completed, ``rated``, ``positive`` (rated 4–5), visited within a window of w days
      when gap < w.

    ``level`` is that of ``SalesRollup``. Kept by adding and taking out the order facts that change
    (``rollups.refresh_customers``, the same SQL as ``rollups.rebuild``)."""

    day = models.DateField()
    kind = models.CharField(max_length=8)
    level = models.SmallIntegerField()
    channel_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    gap = models.SmallIntegerField()
    orders = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    rated = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)
    cost = models.DecimalField(max_digits=18, decimal_places=2, default=0, db_default=0)
    uncosted = models.IntegerField(default=0, db_default=0)

    class Meta:
        indexes = [models.Index(fields=["level", "kind", "day"], name="kanban_history_level_kind_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "level", "channel_id", "owner_id", "gap"],
                name="kanban_history_one_row",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.gap}"
