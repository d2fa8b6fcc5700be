"""Finance centre: payment records with vouchers, and invoices (store schema).

Only confirmed payment records count (metrics.md, "Money on an order"). A record counts from the
moment finance confirms it: ``confirmed_at`` is the time figures such as ``net_revenue`` bucket by.
The confirming service keeps the order's ``collected`` / ``supplemented`` / ``refunded`` in step,
in the same transaction, under a lock on the order row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.journals import CURRENT_TRANSACTION
from shared_apps.platform.uploads import StoredUpload
from tenant_apps.audit.tracking import tracked
from tenant_apps.finance import journal


class Payment(models.Model):
    class Kind(models.TextChoices):
        COLLECTION = "collection", _("Collection")
        SUPPLEMENT = "supplement", _("Supplement")
        REFUND = "refund", _("Refund")

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        ALIPAY = "alipay", _("Alipay")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")
        CASH = "cash", _("Cash")
        PLATFORM = "platform", _("Platform settlement")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    order = models.ForeignKey("sales.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The after-sales case a refund comes from (tenant_apps.aftersales), by id.
    aftersales_case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    reject_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment record")
        verbose_name_plural = _("payment records")
        indexes = [
            models.Index(fields=["order", "kind", "status"], name="payment_order_kind_status"),
            models.Index(fields=["status", "-created_at"], name="payment_status_created"),
            # Net revenue, and overdue receivables' collections since a moment: payments confirmed in a
            # range, from the index alone.
            models.Index(
                fields=["confirmed_at"],
                include=["order", "kind", "amount"],
                condition=Q(status="confirmed"),
                name="payment_confirmed_covering",
            ),
            # Data Kanban, overdue receivables at a past moment: an order's collections since then,
            # from the index alone.
            models.Index(
                fields=["order"],
                include=["confirmed_at", "amount"],
                condition=Q(status="confirmed") & Q(kind="collection"),
                name="payment_order_collections",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="confirmed", confirmed_at__isnull=False) | ~Q(status="confirmed"),
                name="payment_confirmed_has_time",
            ),
        ]
        triggers = [*journal.PAYMENT_TRIGGERS, *tracked()]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class PaymentVoucher(StoredUpload):
    """A voucher of a payment record: an image or a PDF, under ``<schema>/vouchers/``."""

    upload_folder = "vouchers"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="vouchers")

    class Meta(StoredUpload.Meta):
        triggers = tracked()


def invoice_path(instance: Invoice, filename: str) -> str:
    return f"{instance.store_prefix}/invoices/{instance.stored_name}"


class Invoice(models.Model):
    class Type(models.TextChoices):
        VAT_SPECIAL = "vat_special", _("VAT special invoice")
        VAT_GENERAL = "vat_general", _("VAT general invoice")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        MAILED = "mailed", _("Mailed")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey("sales.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    quotation = models.ForeignKey(
        "sales.Quotation", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    # An invoice re-issued for an after-sales case (tenant_apps.aftersales), by id.
    aftersales_case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    invoice_type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    title = models.CharField(_("invoice title"), max_length=200)
    tax_number = models.CharField(_("tax number"), max_length=30)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    address = models.CharField(_("mailing address"), max_length=300)
    note = models.CharField(_("note"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    number = models.CharField(_("invoice number"), max_length=40, blank=True)
    file = models.FileField(upload_to=invoice_path, max_length=300, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    courier = models.CharField(_("courier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    store_prefix = ""
    stored_name = ""

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(order__isnull=False) | Q(quotation__isnull=False), name="invoice_has_source"
            ),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="invoice_unique_number"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return self.number or f"invoice request {self.pk}"


class ReceivableReminder(models.Model):
    """A reminder sent for an overdue credit order on one local day: at most one per order and day."""

    order = models.ForeignKey("sales.Order", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    outstanding = models.DecimalField(max_digits=14, decimal_places=2)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "order_id"]
        constraints = [models.UniqueConstraint(fields=["order", "day"], name="receivable_reminder_once_a_day")]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.order_id} {self.day}"


class ChangedDay(models.Model):
    """A UTC day whose confirmed payment records changed since the journal was last taken (written
    by the triggers of ``journal``; one row per writing transaction, see
    ``shared_apps.platform.journals``). Published as ``finance_reporting_changedday``."""

    pk = models.CompositePrimaryKey("day", "txid")
    day = models.DateField()
    txid = models.BigIntegerField(db_default=CURRENT_TRANSACTION)

    def __str__(self) -> str:
        return str(self.day)
