"""Customer profiles and follow-ups (store schema).

Dual verification: within a store a normalised mobile number and each chat id identify at most
one live customer. The partial unique constraints below enforce it in the database, so two
simultaneous requests cannot both win; the services turn the violation into 409
``duplicate_customer`` naming the existing customer.

Ownership: ``owner`` is a salesperson, or None while the customer is in the shared pool. The pool
app (tenant_apps.pool) moves customers in and out of the pool and keeps the records of it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.journals import CURRENT_TRANSACTION
from shared_apps.platform.uploads import StoredUpload
from tenant_apps.audit.tracking import tracked
from tenant_apps.customers import journal


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Intention(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("colour"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        triggers = tracked()

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def live(self):
        """Customers that were not merged into another record."""
        return self.filter(merged_into__isnull=True)

    def in_pool(self):
        return self.live().filter(owner__isnull=True)


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=120)
    company = models.CharField(_("company"), max_length=200, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, help_text=_("As entered"))
    # E.164 form (+8613800138000), "" when there is none; the key of dual verification.
    mobile_normalized = models.CharField(max_length=20, blank=True, editable=False)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    platform_chat_id = models.CharField(_("platform chat ID"), max_length=64, blank=True)
    channel = models.ForeignKey(
        "workspace.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, default=Grade.C)
    # Product preferences: product ids or category names; products arrive with the sales module.
    product_preferences = models.JSONField(_("product preferences"), default=list, blank=True)
    intention_level = models.CharField(_("purchase intention"), max_length=10, choices=Intention.choices, blank=True)
    intention_note = models.CharField(_("intention note"), max_length=300, blank=True)

    # Users live in the public schema: no database constraint across schemas, never deleted (deactivated).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    owner_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    # Set when a claim is approved: a follow-up must be recorded before it or the customer returns.
    return_visit_deadline = models.DateTimeField(_("return-visit deadline"), null=True, blank=True)
    released_at = models.DateTimeField(_("released to the pool at"), null=True, blank=True)

    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    # The next_follow_up_at for which the owner was last reminded (idempotent reminders).
    reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    # The release deadline for which the owner was last warned (idempotent warnings).
    release_warned_for = models.DateTimeField(null=True, blank=True, editable=False)

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
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    # Set when the person's personal data was erased on request (PIPL); orders and figures stay.
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["mobile_normalized"],
                condition=~Q(mobile_normalized="") & Q(merged_into__isnull=True),
                name="customer_unique_mobile",
            ),
            models.UniqueConstraint(
                fields=["wechat_id"],
                condition=~Q(wechat_id="") & Q(merged_into__isnull=True),
                name="customer_unique_wechat_id",
            ),
            models.UniqueConstraint(
                fields=["platform_chat_id"],
                condition=~Q(platform_chat_id="") & Q(merged_into__isnull=True),
                name="customer_unique_platform_chat_id",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="customer_name_not_empty"),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="customer_owner_created"),
            # Data Kanban, lost rate: the live customers owned since before a moment.
            models.Index(
                fields=["owner_since"],
                include=["owner", "channel"],
                condition=Q(merged_into__isnull=True) & Q(owner__isnull=False),
                name="customer_owned_since",
            ),
            models.Index(fields=["next_follow_up_at"], name="customer_next_follow_up"),
            # The owned customers whose next follow-up was not reminded yet (the reminders' job and
            # its probe): a reminded follow-up leaves it.
            models.Index(
                fields=["next_follow_up_at"],
                condition=Q(merged_into__isnull=True, owner__isnull=False)
                & (Q(reminded_for__isnull=True) | ~Q(reminded_for=F("next_follow_up_at"))),
                name="customer_to_remind",
            ),
            # The owned customers with a return visit to make (the return deadline's job and its probe).
            models.Index(
                fields=["return_visit_deadline"],
                condition=Q(merged_into__isnull=True, owner__isnull=False, return_visit_deadline__isnull=False),
                name="customer_return_visit",
            ),
            models.Index(fields=["province"], name="customer_province"),
            # The list filtered by province and grade, newest first, without walking the whole table.
            models.Index(
                "province",
                "grade",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="customer_province_grade_new",
                condition=Q(merged_into__isnull=True),
            ),
            models.Index(fields=["grade"], name="customer_grade"),
            # The default list order of live customers, read page by page.
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(merged_into__isnull=True),
                name="customer_live_created",
            ),
            # Prefix search (phone digits, chat ids typed in part) without scanning the table.
            models.Index(
                fields=["mobile_normalized"], opclasses=["varchar_pattern_ops"], name="customer_mobile_prefix"
            ),
            models.Index(OpClass(Upper("wechat_id"), name="text_pattern_ops"), name="customer_wechat_prefix"),
            models.Index(OpClass(Upper("platform_chat_id"), name="text_pattern_ops"), name="customer_chat_prefix"),
        ]
        triggers = [*journal.CUSTOMER_TRIGGERS, *tracked()]

    def __str__(self) -> str:
        return self.name

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


class FollowUp(models.Model):
    """A follow-up (跟进/回访). Every follow-up counts as a return visit."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        WECHAT = "wechat", _("WeChat")
        VISIT = "visit", _("Visit")
        PLATFORM_CHAT = "platform_chat", _("Platform chat")
        EMAIL = "email", _("Email")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    content = models.TextField(_("content"))
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["customer", "-created_at"], name="followup_customer_created")]
        triggers = [*journal.FOLLOWUP_TRIGGERS, *tracked()]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class FollowUpAttachment(StoredUpload):
    """A file of a follow-up (a photo of a visit, a chat screenshot, a signed PDF), recognised by its
    content, stored under ``<schema>/follow-ups/`` and served only to those who may see the customer."""

    upload_folder = "follow-ups"

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = None  # the follow-up's author uploaded it

    class Meta(StoredUpload.Meta):
        triggers = tracked()


class CustomerMerge(models.Model):
    """The record of a merge: ``merged`` lives on as a pointer to ``survivor``."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_absorbed")
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_into")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # What the merged record held before the merge (fields, moved ids), for the audit trail.
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class ChangedDay(models.Model):
    """A UTC day holding orders of a customer whose province changed since the journal was last
    taken (written by the triggers of ``journal``; one row per writing transaction, see
    ``shared_apps.platform.journals``). Published as ``customers_reporting_changedday``."""

    pk = models.CompositePrimaryKey("day", "txid")
    day = models.DateField()
    txid = models.BigIntegerField(db_default=CURRENT_TRANSACTION)

    def __str__(self) -> str:
        return str(self.day)


class ChangedCustomer(models.Model):
    """A customer whose follow-ups changed since the journal was last taken (written by the triggers
    of ``journal``, one row per writing transaction). Published as ``customers_reporting_changedcustomer``."""

    pk = models.CompositePrimaryKey("customer_id", "txid")
    customer_id = models.BigIntegerField()
    txid = models.BigIntegerField(db_default=CURRENT_TRANSACTION)

    def __str__(self) -> str:
        return str(self.customer_id)
