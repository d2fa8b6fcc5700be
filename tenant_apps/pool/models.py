"""The shared pool ("high seas", 公海): releases, claims and per-grade rules (store schema)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenant_apps.audit.tracking import tracked


class Release(models.Model):
    """One customer going back to the pool, recorded once with its cause."""

    class Cause(models.TextChoices):
        MANUAL = "manual", _("Released by the owner")
        OVERDUE = "overdue", _("Follow-up overdue")
        IDLE = "idle", _("No follow-up for too long")
        RETURN_DEADLINE = "return_deadline", _("No return visit after the claim")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="pool_releases")
    former_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The deadline that was missed (automatic releases): with the customer, it makes a release unique.
    deadline = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(_("released at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pool release")
        verbose_name_plural = _("pool releases")
        indexes = [models.Index(fields=["former_owner", "customer", "-at"], name="release_owner_customer")]
        constraints = [
            # An automatic release is recorded once per missed deadline, whoever runs the job.
            models.UniqueConstraint(
                fields=["customer", "cause", "deadline"],
                condition=Q(deadline__isnull=False),
                name="release_once_per_deadline",
            ),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.customer_id} {self.cause} {self.at:%Y-%m-%d}"


class Claim(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="claims")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("filed at"), db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("decision reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "applicant"],
                condition=Q(status="pending"),
                name="one_pending_claim_per_customer_and_applicant",
            ),
            # At most one approved claim per customer while it is owned through that claim is
            # guaranteed by the services (row lock on the customer), not by a constraint, because
            # a customer may be claimed again after it returns to the pool.
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="claim_status_created")]
        triggers = tracked()

    def __str__(self) -> str:
        return f"claim {self.pk} on {self.customer_id} ({self.status})"


class GradePolicy(models.Model):
    """Per-grade overrides of the store's pool rules; an empty field uses the store setting."""

    grade = models.CharField(_("grade"), max_length=1, unique=True)
    max_idle_days = models.PositiveSmallIntegerField(_("maximum idle days"), null=True, blank=True)
    grace_days = models.PositiveSmallIntegerField(_("follow-up grace period (days)"), null=True, blank=True)
    return_visit_days = models.PositiveSmallIntegerField(_("return-visit deadline (days)"), null=True, blank=True)

    class Meta:
        ordering = ["grade"]
        verbose_name = _("grade policy")
        verbose_name_plural = _("grade policies")
        triggers = tracked()

    def __str__(self) -> str:
        return self.grade
