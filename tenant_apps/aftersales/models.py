"""After-sales cases (store schema): return and refund, refund only, exchange, reissue.

A case names an order, its type, the reason, the amount where money moves (``return_refund``,
``refund_only``; none for ``exchange`` and ``reissue``), the order lines and quantities concerned,
and whether the invoice must be re-issued. Statuses (product.md 3.5)::

    pending_approval → approved → processing → completed
    pending_approval → rejected
    pending_approval | approved → cancelled        (by the applicant or a supervisor)
    processing → approved                         (finance rejected the refund: process again)

What processing means depends on the type:

* ``refund_only``: a pending refund payment record is created for finance; the case completes
  when finance confirms it.
* ``return_refund``: the warehouse is told a return is expected; when it records the goods back
  (``return_received_at``) the pending refund is created (none when the amount is 0.00: a return
  without money, which is then completed by hand with ``complete``); the case completes when
  finance confirms the refund.
* ``exchange`` / ``reissue``: a new delivery is created for the warehouse to ship; the case
  completes when that delivery is received.

The refund payment and the delivery are kept by id (``refund_payment_id``, ``delivery_id``): they
belong to the finance and sales apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.timeline import TimelineEvent, timeline_index
from tenant_apps.audit.tracking import tracked


class Case(models.Model):
    class Type(models.TextChoices):
        RETURN_REFUND = "return_refund", _("Return and refund")
        REFUND_ONLY = "refund_only", _("Refund only")
        EXCHANGE = "exchange", _("Exchange")
        REISSUE = "reissue", _("Reissue")

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    MONEY_TYPES = (Type.RETURN_REFUND, Type.REFUND_ONLY)
    DELIVERY_TYPES = (Type.EXCHANGE, Type.REISSUE)
    OPEN_STATUSES = (Status.PENDING_APPROVAL, Status.APPROVED, Status.PROCESSING)
    CLOSED_STATUSES = (Status.REJECTED, Status.COMPLETED, Status.CANCELLED)

    order = models.ForeignKey(
        "sales.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="aftersales_cases"
    )
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING_APPROVAL)
    reason = models.CharField(_("reason"), max_length=500)
    # Only for the types where money moves; None for exchange and reissue.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    reissue_invoice = models.BooleanField(_("re-issue the invoice"), default=False)
    refund_method = models.CharField(_("refund method"), max_length=16, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("decision comment"), max_length=500, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    processed_at = models.DateTimeField(_("processing since"), null=True, blank=True)
    return_received_at = models.DateTimeField(_("goods returned at"), null=True, blank=True)
    return_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The pending or confirmed refund record in finance (tenant_apps.finance.Payment), by id.
    refund_payment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The exchange or reissue delivery in sales (tenant_apps.sales.Delivery), by id.
    delivery_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The last thing that happened that the people involved should read (a refund finance rejected...).
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("applied at"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        indexes = [
            models.Index(fields=["order", "status"], name="aftersales_order_status"),
            models.Index(fields=["status", "-created_at"], name="aftersales_status_created"),
            models.Index(fields=["type", "-created_at"], name="aftersales_type_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="aftersales_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(type__in=["exchange", "reissue"], amount__isnull=True)
                | Q(type__in=["return_refund", "refund_only"], amount__isnull=False),
                name="aftersales_amount_by_type",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="aftersales_reason_not_empty"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"AS-{self.pk}"

    @property
    def number(self) -> str:
        return f"AS-{self.pk:06d}" if self.pk else ""

    @property
    def moves_money(self) -> bool:
        return self.type in self.MONEY_TYPES


class CaseItem(models.Model):
    """An order line concerned by a case and how many of its units."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items")
    order_line = models.ForeignKey("sales.OrderLine", on_delete=models.PROTECT, related_name="aftersales_items")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="aftersales_item_quantity_positive"),
            models.UniqueConstraint(fields=["case", "order_line"], name="aftersales_item_unique_line"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.order_line_id} x {self.quantity}"


class CaseEvent(TimelineEvent):
    """The case's timeline: every step, with who did it (None for what the system does)."""

    class Kind(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PROCESSING = "processing", _("Processing started")
        RETURN_RECEIVED = "return_received", _("Goods returned")
        REFUND_CREATED = "refund_created", _("Refund recorded")
        REFUND_CONFIRMED = "refund_confirmed", _("Refund confirmed")
        REFUND_REJECTED = "refund_rejected", _("Refund rejected")
        DELIVERY_CREATED = "delivery_created", _("Delivery created")
        DELIVERY_RECEIVED = "delivery_received", _("Delivery received")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    subject_field = "case"
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [timeline_index("case", name="aftersales_event_case_at")]
        triggers = tracked()
