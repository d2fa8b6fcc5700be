"""Products, quotations, contract orders and deliveries (store schema).

Money is ``Decimal`` with 2 places; quantities are whole units. A quotation's and an order's
``amount`` is always the sum of its lines' amounts, and the prices are captured on the lines when
they are made, so later catalogue changes never alter a signed order.

The order pipeline (product.md 3.3)::

    prepaid: pending_collection → pending_outbound → pending_delivery → pending_receipt → completed
    credit:  pending_outbound → pending_delivery → pending_receipt → awaiting_payment → completed
    cancelled: from pending_collection or pending_outbound (before goods leave the warehouse)

``awaiting_payment`` is a credit order the customer received that is not yet fully collected
("received, awaiting payment"); it completes by itself the moment it is. A received credit order
that is already fully collected goes straight to ``completed``.

``collected``, ``supplemented`` and ``refunded`` on the order are the sums of its *confirmed*
payment records (metrics.md, "Money on an order"), kept by the finance services in the same
transaction that confirms a record, so lists, exports and figures never sum payments per row.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.journals import CURRENT_TRANSACTION
from shared_apps.platform.timeline import TimelineEvent, timeline_index
from tenant_apps.audit.tracking import tracked
from tenant_apps.sales import journal
from tenant_apps.sales.couriers import courier_label

ZERO = Decimal("0.00")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="category_name_not_empty")]
        triggers = tracked()

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    spec = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="件")
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=Q(list_price__gt=0), name="product_list_price_positive"),
            models.CheckConstraint(condition=~Q(sku=""), name="product_sku_not_empty"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductCost(models.Model):
    """A product's cost price from ``effective_from`` on (its history: the price in effect at a
    moment is the latest one that took effect by then). Order lines capture it when signed."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="costs")
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    effective_from = models.DateTimeField(_("effective from"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "-effective_from", "-id"]
        verbose_name = _("cost price")
        verbose_name_plural = _("cost prices")
        indexes = [models.Index(fields=["product", "-effective_from", "-id"], name="productcost_in_effect")]
        constraints = [models.CheckConstraint(condition=Q(unit_cost__gte=0), name="productcost_not_negative")]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.product_id} {self.unit_cost} @ {self.effective_from:%Y-%m-%d}"


class Quotation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")

    number = models.CharField(_("number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotations"
    )
    channel = models.ForeignKey(
        "workspace.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The salesperson the quotation belongs to (visibility follows it, like a customer's owner).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(_("valid until"))
    notes = models.TextField(_("notes"), blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)
    list_amount = models.DecimalField(_("list amount"), max_digits=14, decimal_places=2, default=ZERO)
    # amount / list_amount, 4 places (0.8500 = 85 %).
    discount_rate = models.DecimalField(_("discount rate"), max_digits=6, decimal_places=4, null=True)
    # Frozen when the quotation is submitted (the threshold may change afterwards).
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # When it last went to approval (pending_approval since then).
    submitted_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(_("decision comment"), max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="quotation_owner_created"),
            models.Index(fields=["status", "-created_at"], name="quotation_status_created"),
            models.Index(fields=["customer", "-created_at"], name="quotation_customer_created"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="quotation_amount_not_negative")]
        triggers = tracked()

    def __str__(self) -> str:
        return self.number


class QuotationLine(models.Model):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["quotation", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quotationline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="quotationline_unit_price_positive"),
            models.CheckConstraint(condition=Q(amount=F("quantity") * F("unit_price")), name="quotationline_amount"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"


class Order(models.Model):
    class PaymentMode(models.TextChoices):
        PREPAID = "prepaid", _("Prepaid (collect before shipping)")
        CREDIT = "credit", _("Credit (ship first, collect later)")

    class Status(models.TextChoices):
        PENDING_COLLECTION = "pending_collection", _("Pending collection")
        PENDING_OUTBOUND = "pending_outbound", _("Pending outbound")
        PENDING_DELIVERY = "pending_delivery", _("Pending delivery")
        PENDING_RECEIPT = "pending_receipt", _("Pending receipt")
        AWAITING_PAYMENT = "awaiting_payment", _("Received, awaiting payment")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Device(models.TextChoices):
        PC = "pc", _("PC")
        MOBILE = "mobile", _("Mobile")
        APP = "app", _("App")
        UNKNOWN = "unknown", _("Unknown")

    number = models.CharField(_("number"), max_length=32, unique=True)
    # Set by the historical-order import: importing the same row twice changes nothing.
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    channel = models.ForeignKey(
        "workspace.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    device = models.CharField(_("device"), max_length=10, choices=Device.choices, default=Device.UNKNOWN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    payment_mode = models.CharField(_("payment mode"), max_length=10, choices=PaymentMode.choices)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    list_amount = models.DecimalField(_("list amount"), max_digits=14, decimal_places=2)
    discount_rate = models.DecimalField(_("discount rate"), max_digits=6, decimal_places=4, null=True)
    # The lines' cost (quantity × unit cost of each line that has one) and how many lines have none:
    # gross profit is ``amount - cost`` (metrics.md, "Gross profit").
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=ZERO, db_default=ZERO)
    lines_without_cost = models.PositiveIntegerField(_("lines without cost"), default=0, db_default=0)
    # Sums of confirmed payment records (kept by tenant_apps.finance in the confirming transaction).
    collected = models.DecimalField(_("collected"), max_digits=14, decimal_places=2, default=ZERO)
    supplemented = models.DecimalField(_("supplemented"), max_digits=14, decimal_places=2, default=ZERO)
    refunded = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=ZERO)
    # When the last collection making it fully collected was confirmed (None until then).
    fully_collected_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    feedback_comment = models.CharField(_("feedback"), max_length=500, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["-signed_at", "-id"], name="order_signed"),
            models.Index(fields=["status", "-signed_at"], name="order_status_signed"),
            models.Index(fields=["owner", "-signed_at"], name="order_owner_signed"),
            models.Index(fields=["channel", "-signed_at"], name="order_channel_signed"),
            # A salesperson's list filtered by status or channel, newest first, counted and paged on the index.
            models.Index(fields=["owner", "status", "-signed_at", "-id"], name="order_owner_status_signed"),
            models.Index(fields=["owner", "channel", "-signed_at", "-id"], name="order_owner_channel_signed"),
            # A customer's orders newest first without visiting the table (price history, 360°).
            models.Index(fields=["customer", "-signed_at", "-id"], include=["status"], name="order_customer_recent"),
            models.Index(fields=["completed_at"], name="order_completed"),
            models.Index(
                fields=["due_date"],
                condition=Q(payment_mode="credit") & ~Q(status="cancelled"),
                name="order_credit_due",
            ),
            # Data Kanban: orders signed / completed in a period read from the index alone.
            models.Index(
                fields=["signed_at"],
                include=["status", "customer", "amount", "channel", "owner"],
                name="order_kanban_signed",
            ),
            models.Index(
                fields=["completed_at"],
                include=["id", "status", "customer", "rating", "channel", "owner"],
                name="order_kanban_completed",
            ),
            models.Index(
                fields=["due_date"],
                include=["id", "signed_at", "amount", "collected", "fully_collected_at", "channel", "owner"],
                condition=Q(payment_mode="credit") & ~Q(status="cancelled"),
                name="order_kanban_credit_due",
            ),
            # Data Kanban, overdue receivables at a moment: credit orders still open, and those fully
            # collected since a moment.
            models.Index(
                fields=["due_date"],
                include=["id", "signed_at", "amount", "collected", "channel", "owner"],
                condition=Q(payment_mode="credit") & ~Q(status="cancelled") & Q(collected__lt=F("amount")),
                name="order_kanban_credit_open",
            ),
            models.Index(
                fields=["fully_collected_at"],
                include=["id", "due_date", "signed_at", "amount", "collected", "channel", "owner"],
                condition=Q(payment_mode="credit") & ~Q(status="cancelled") & Q(collected__gte=F("amount")),
                name="order_kanban_credit_paid",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="order_unique_external_id"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="order_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(collected__gte=0) & Q(collected__lte=F("amount")), name="order_collected_range"
            ),
            models.CheckConstraint(
                condition=Q(refunded__gte=0) & Q(refunded__lte=F("collected") + F("supplemented")),
                name="order_refunded_range",
            ),
            models.CheckConstraint(condition=Q(supplemented__gte=0), name="order_supplemented_not_negative"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)), name="order_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(payment_mode="prepaid") | Q(due_date__isnull=False), name="order_credit_has_due_date"
            ),
        ]
        triggers = [*journal.ORDER_TRIGGERS, *tracked()]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self) -> Decimal:
        """What the customer still owes: ``amount - collected``; nothing once the order is cancelled."""
        if self.status == self.Status.CANCELLED:
            return Decimal("0.00")
        return self.amount - self.collected

    @property
    def gross_profit(self) -> Decimal:
        """``amount - cost`` (lines without a cost count at 0; metrics.md, "Gross profit")."""
        return self.amount - self.cost

    @property
    def net_received(self) -> Decimal:
        return self.collected + self.supplemented - self.refunded

    @property
    def fully_collected(self) -> bool:
        return self.collected == self.amount


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    # Captured when the order is signed.
    sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    category_name = models.CharField(max_length=80, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    # The product's cost price in effect when signed (or imported); None when unknown.
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["order", "position", "id"]
        indexes = [models.Index(fields=["product", "order"], name="orderline_product_order")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="orderline_unit_price_positive"),
            models.CheckConstraint(condition=Q(amount=F("quantity") * F("unit_price")), name="orderline_amount"),
            models.CheckConstraint(
                condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0), name="orderline_unit_cost_not_negative"
            ),
        ]
        triggers = [*journal.LINE_TRIGGERS, *tracked()]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"


class OrderEvent(TimelineEvent):
    """The order's timeline: every transition, payment, delivery, feedback and after-sales step."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Signed")
        TRANSITION = "transition", _("Status changed")
        PAYMENT = "payment", _("Payment")
        DELIVERY = "delivery", _("Delivery")
        FEEDBACK = "feedback", _("Feedback")
        INVOICE = "invoice", _("Invoice")
        AFTERSALES = "aftersales", _("After-sales")
        IMPORTED = "imported", _("Imported")

    subject_field = "order"
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta(TimelineEvent.Meta):
        indexes = [timeline_index("order", name="orderevent_order_at")]
        triggers = tracked()


class Delivery(models.Model):
    """A shipment of goods: the order's own, or one an after-sales case (exchange, reissue) creates."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Order delivery")
        EXCHANGE = "exchange", _("Exchange")
        REISSUE = "reissue", _("Reissue")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending outbound")
        OUTBOUND = "outbound", _("Left the warehouse")
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ORIGINAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The after-sales case that asked for it (tenant_apps.aftersales), by id: no cross-app foreign key.
    aftersales_case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    items = models.JSONField(default=list, blank=True, help_text="[{'order_line': id, 'quantity': n}]")
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    outbound_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    # A delivery that did not arrive (lost, refused, returned by the carrier): when and why.
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="original"), name="delivery_one_original_per_order"
            ),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.kind} {self.tracking_number}".strip()

    @property
    def carrier_label(self) -> str:
        """The courier's name in the active language (a listed code), else the name as typed."""
        return courier_label(self.carrier)


class ChangedDay(models.Model):
    """A UTC day whose orders, order lines or payments' attribution changed since the journal was
    last taken (written by the triggers of ``journal``; one row per writing transaction, see
    ``shared_apps.platform.journals``). Published as ``sales_reporting_changedday``."""

    pk = models.CompositePrimaryKey("day", "txid")
    day = models.DateField()
    txid = models.BigIntegerField(db_default=CURRENT_TRANSACTION)

    def __str__(self) -> str:
        return str(self.day)


class ChangedCustomer(models.Model):
    """A customer whose orders changed since the journal was last taken (written by the triggers of
    ``journal``, one row per writing transaction). Published as ``sales_reporting_changedcustomer``."""

    pk = models.CompositePrimaryKey("customer_id", "txid")
    customer_id = models.BigIntegerField()
    txid = models.BigIntegerField(db_default=CURRENT_TRANSACTION)

    def __str__(self) -> str:
        return str(self.customer_id)
