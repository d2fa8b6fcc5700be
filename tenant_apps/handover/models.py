"""Handovers (store schema): customers, their open quotations and orders (and open leads) moved
from one person to another or to the pool in one step, and the record of it on each customer.

- ``Handover``: one request, run as one job: who, to whom (None: the pool), why, its progress.
- ``CustomerTransfer``: one line of a customer's history per handover that moved it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenant_apps.audit.tracking import tracked


class Handover(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # All of a person's customers (``from_owner``), or the ones chosen (``customer_ids``).
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    customer_ids = models.JSONField(default=list, blank=True)
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    quotations = models.PositiveIntegerField(_("quotations"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    leads = models.PositiveIntegerField(_("leads"), default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        # The handovers still waiting or running (``redispatch_stale`` and its probe).
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(status="pending"), name="handover_pending"),
            models.Index(fields=["started_at"], condition=models.Q(status="running"), name="handover_running"),
        ]
        # The job's progress is not logged (like an import's); the request, its status and totals are.
        triggers = tracked(ignore=("processed",))

    def __str__(self) -> str:
        return f"handover {self.pk} ({self.status})"

    @property
    def progress(self) -> float:
        if self.status == self.Status.DONE:
            return 1.0
        return self.processed / self.total if self.total else 0.0


class CustomerTransfer(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="transfers")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="transfer_customer_at")]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_owner_id} → {self.to_owner_id}"
