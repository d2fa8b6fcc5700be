"""Customer intelligence of a store (store schema): RFM scores and segments, churn risk, the
"not at risk" dismissals, and what each scoring run trained.

``CustomerScore`` holds one row per customer with at least one non-cancelled order, replaced as a
whole by every scoring run (``services.score_store``); ``scored_at`` is the run's moment. Reasons
are kept as codes with their numbers and rendered in the reader's language
(``tenant_apps.insights.reasons``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenant_apps.audit.tracking import tracked
from tenant_apps.insights.segments import BANDS, SEGMENTS


class InsightSettings(models.Model):
    """The store's settings of customer intelligence (one row)."""

    rfm_lookback_days = models.PositiveSmallIntegerField(_("RFM look-back (days)"), default=365)
    churn_horizon_days = models.PositiveSmallIntegerField(_("churn horizon (days)"), default=90)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer intelligence settings")
        constraints = [
            models.CheckConstraint(condition=Q(rfm_lookback_days__gte=30), name="insights_lookback_min"),
            models.CheckConstraint(condition=Q(churn_horizon_days__gte=7), name="insights_horizon_min"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"RFM {self.rfm_lookback_days} d, churn {self.churn_horizon_days} d"


class CustomerScore(models.Model):
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="insight_score"
    )
    # RFM over the look-back: days since the last order (store-local days, all history), orders and
    # their amount within the look-back; scores 1-5 by the quintile rule of ``rfm``.
    recency_days = models.IntegerField()
    frequency = models.IntegerField()
    monetary = models.DecimalField(max_digits=16, decimal_places=2)
    r = models.PositiveSmallIntegerField()
    f = models.PositiveSmallIntegerField()
    m = models.PositiveSmallIntegerField()
    segment = models.CharField(max_length=24, choices=[(s.key, s.key) for s in SEGMENTS])
    # Churn risk: the probability of no non-cancelled order in the next ``horizon_days``.
    churn_probability = models.FloatField()
    churn_band = models.CharField(max_length=8, choices=[(b.key, b.key) for b in BANDS])
    churn_reasons = models.JSONField(default=list)
    # The churn features at ``scored_at`` (``churn.FEATURES`` order), kept for dismissals' feedback.
    features = ArrayField(models.FloatField(), default=list)
    last_order_at = models.DateTimeField()
    orders_total = models.IntegerField()
    lifetime_amount = models.DecimalField(max_digits=16, decimal_places=2)
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["-churn_probability", "customer"], name="insights_score_risk"),
            models.Index(fields=["segment"], name="insights_score_segment"),
            models.Index(fields=["churn_band", "-churn_probability"], name="insights_score_band"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.segment} {self.churn_band}"


class Dismissal(models.Model):
    """A person's "not at risk" for a customer: it hides the customer from the at-risk lists while its
    band stays the one dismissed, and is a labelled example for the next training (``churn``)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="insight_dismissals")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    at = models.DateTimeField()
    band = models.CharField(max_length=8)
    probability = models.FloatField()
    # The churn features at the moment of the dismissal (``churn.FEATURES`` order).
    features = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)
    # Hides the customer while true; a scoring run that moves the customer to another band clears it.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="insights_dismissal_customer")]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(active=True), name="insights_one_active_dismissal")
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.customer_id} {self.band} {self.at:%Y-%m-%d}"


class ModelRun(models.Model):
    """One scoring run: the model it trained (or the fallback it used), its evaluation, its counts."""

    class Kind(models.TextChoices):
        MODEL = "model", _("Model trained on the store's history")
        FALLBACK = "fallback", _("Fallback rule (too little history)")
        EMPTY = "empty", _("No orders yet")

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    horizon_days = models.PositiveSmallIntegerField()
    lookback_days = models.PositiveSmallIntegerField()
    customers_scored = models.IntegerField(default=0)
    training_rows = models.IntegerField(default=0)
    training_positives = models.IntegerField(default=0)
    feedback_rows = models.IntegerField(default=0)
    # Holdout evaluation (time split; null without a model): AUC, Brier score, recency-ranking AUC.
    auc = models.FloatField(null=True)
    brier = models.FloatField(null=True)
    baseline_auc = models.FloatField(null=True)
    fallback_reason = models.CharField(max_length=200, blank=True)
    coefficients = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
