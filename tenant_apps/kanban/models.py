"""Data Kanban of a store: daily sales rollups and first-order facts, kept fresh by database
triggers."""

from __future__ import annotations

from django.db import models


class SalesRollup(models.Model):
    """Non-cancelled orders of one local day (store timezone) summed per channel and owner, per
    channel, per owner and for the whole store (``level``), by one dimension: ``device`` (key =
    device), ``province`` (key = the customer's province), ``sku`` (key = sku, label = product
    name) or ``category`` (key = category name). ``orders`` counts the distinct orders of the row;
    ``quantity`` is summed for line dimensions only. Rebuilt from the orders for any day marked in
    ``RollupDirtyDay`` before it is read."""

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


class RollupDirtyDay(models.Model):
    """A UTC day whose orders, order lines, payments or customers' provinces changed since the
    rollup rows of the local days it overlaps were built (written by database triggers on every
    change, whoever makes it). UTC, so that the triggers need not know the store's zone."""

    day = models.DateField(db_index=True)

    def __str__(self) -> str:
        return str(self.day)


class RollupState(models.Model):
    """The time zone the rollup rows were built in (one row). When the store's zone differs, the
    next read rebuilds every row in the new zone."""

    singleton = models.BooleanField(default=True, unique=True)
    zone = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.zone


class CustomerFirstOrders(models.Model):
    """When a customer signed their first and second non-cancelled orders (any channel, any owner),
    for the repurchase rate and the customer mix. Rebuilt for any customer marked in
    ``RollupDirtyCustomer`` before it is read."""

    customer_id = models.BigIntegerField(primary_key=True)
    first_at = models.DateTimeField()
    second_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return str(self.customer_id)


class RollupDirtyCustomer(models.Model):
    """A customer whose orders were added, removed, cancelled, moved or re-dated since their
    ``CustomerFirstOrders`` row was built (written by database triggers)."""

    customer_id = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return str(self.customer_id)
