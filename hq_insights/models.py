"""HQ's customer-intelligence rows (public schema): what each store publishes of its scores, the
keyed hashes of its buyers, nightly benchmark snapshots per store, and the cross-store buyers.

No raw contact id is ever stored here: ``BuyerKey.digest`` is an HMAC-SHA256 of a normalised id
under HQ's secret (``settings.HQ_BUYER_KEY``), computed in the store (``tenant_apps.insights.reporting``).
"""

from __future__ import annotations

from django.db import models


class StoreInsight(models.Model):
    """A store's latest scoring run as published: segment mix, churn totals, model, main platform."""

    store = models.OneToOneField("tenants.Store", on_delete=models.CASCADE, primary_key=True, related_name="+")
    state = models.CharField(max_length=12)
    scored_at = models.DateTimeField(null=True)
    model_kind = models.CharField(max_length=10, blank=True)
    auc = models.FloatField(null=True)
    customers_scored = models.IntegerField(default=0)
    # {segment: [customers, "gmv"]} and {band: customers}
    segments = models.JSONField(default=dict)
    bands = models.JSONField(default=dict)
    expected_churners = models.FloatField(default=0)
    buyers = models.IntegerField(default=0)
    platform = models.CharField(max_length=20, blank=True)
    published_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"StoreInsight {self.store_id}"


class BuyerKey(models.Model):
    """One keyed hash of one buyer's id in one store, with the buyer's lifetime order amount there."""

    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+", db_index=False)
    customer_id = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    gmv = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "customer_id", "digest"], name="buyerkey_key"),
        ]
        indexes = [models.Index(fields=["digest", "store"], name="buyerkey_digest")]

    def __str__(self) -> str:
        return f"BuyerKey {self.store_id}:{self.customer_id}"


class StoreBenchmark(models.Model):
    """A store's benchmark figures over the 30 local days up to ``day`` (and their previous 30), with
    its percentiles among its subsidiary's and its platform's stores and its anomaly flags, all
    computed by the nightly job (``benchmarks.snapshot``)."""

    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    subsidiary_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=20, blank=True)
    gmv = models.DecimalField(max_digits=16, decimal_places=2)
    gmv_previous = models.DecimalField(max_digits=16, decimal_places=2)
    # {metric: value} for gmv_growth, conversion_rate, lost_rate (fractions or null) and
    # receivable_overdue (a decimal string).
    values = models.JSONField(default=dict)
    # {metric: {"subsidiary": pct or null, "platform": pct or null}}
    percentiles = models.JSONField(default=dict)
    # {metric: {"flag": "above" | "below" | null, "low", "high", "points"}}
    anomalies = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="storebenchmark_key")]
        indexes = [models.Index(fields=["day"], name="storebenchmark_day")]

    def __str__(self) -> str:
        return f"StoreBenchmark {self.store_id} {self.day}"


class CrossStoreBuyers(models.Model):
    """The nightly count of buyers over all stores and of those who buy from two or more, with the
    combined value of the latter, and the largest such buyers (``top``: stores and combined value)."""

    computed_at = models.DateTimeField(db_index=True)
    buyers = models.IntegerField()
    in_two_or_more_stores = models.IntegerField()
    gmv = models.DecimalField(max_digits=18, decimal_places=2)
    top = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"CrossStoreBuyers {self.computed_at:%Y-%m-%d}"
