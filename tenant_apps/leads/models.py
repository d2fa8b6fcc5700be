"""Leads and their distribution (store schema).

- ``Lead``: one enquiry from a person (channel, name, mobile or chat id, message, source, received
  at), entered by hand, imported or posted by an integration. Checked against the customers by
  dual verification at intake: a lead of an existing customer is attached to it (``customer``) and
  does not count as a new enquiry (``is_new``).
- ``LeadSettings``: the store's distribution settings (one row). Its row is also the lock of
  distribution: every assignment by the rules takes it ``FOR UPDATE``, so round-robin stays fair
  when leads arrive at the same moment.
- ``LeadAgent``: a salesperson's place in the rotation (on duty or not, when last served).
- ``DistributionRule``: leads matching a channel, grade and/or region go to the named people.
- ``LeadAssignment``: the history of who held a lead, and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenant_apps.audit.tracking import tracked


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        CONVERTED = "converted", _("Converted")
        LOST = "lost", _("Lost")

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED)

    channel = models.ForeignKey(
        "workspace.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    mobile_normalized = models.CharField(max_length=20, blank=True, editable=False)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    platform_chat_id = models.CharField(_("platform chat ID"), max_length=64, blank=True)
    message = models.TextField(_("message"), blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    # The moment the owner must have contacted the lead by; past it a new lead is re-assigned.
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # False when the lead matched an existing customer at intake (it is not a new enquiry then).
    is_new = models.BooleanField(_("new enquiry"), default=True)
    lost_reason = models.CharField(_("reason lost"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reassign_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set when the person's data was erased (PIPL): the contact ids are empty from then on.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.CheckConstraint(
                condition=~Q(mobile_normalized="")
                | ~Q(wechat_id="")
                | ~Q(platform_chat_id="")
                | Q(erased_at__isnull=False),
                name="lead_has_contact_id",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"], name="lead_owner_status"),
            # The queue: open leads nobody holds, oldest first.
            models.Index(
                fields=["received_at", "id"], condition=Q(owner__isnull=True, status="new"), name="lead_queue"
            ),
            models.Index(fields=["respond_by"], condition=Q(status="new", owner__isnull=False), name="lead_respond_by"),
            models.Index(fields=["channel", "received_at"], name="lead_channel_received"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return self.name or self.mobile or self.wechat_id or self.platform_chat_id

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class LeadSettings(models.Model):
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    # Minutes a new lead's owner has to contact it before it goes to the next person; 0: never.
    first_response_minutes = models.PositiveIntegerField(_("first-response time (minutes)"), default=30)
    # Open leads one salesperson may hold at once (0: no cap); the store's ownership cap of
    # customers applies as well.
    open_lead_cap = models.PositiveIntegerField(_("open leads per salesperson"), default=0)
    # True: the daily enquiry figures are counted from the leads (and no longer typed in).
    enquiries_from_leads = models.BooleanField(_("count daily enquiries from leads"), default=False)
    # The rotation's clock: each assignment by the rules takes the next number.
    rotation = models.BigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")
        # The rotation's clock moves with every assignment (each one is logged as a LeadAssignment).
        triggers = tracked(ignore=("updated_at", "rotation"))

    def __str__(self) -> str:
        return "lead settings"


class LeadAgent(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    on_duty = models.BooleanField(_("on duty"), default=True)
    # The rotation number of this person's last assignment (0: never served).
    last_turn = models.BigIntegerField(default=0)
    assigned_total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["user_id"]
        # Turn and count move with every assignment (each one is logged as a LeadAssignment).
        triggers = tracked(ignore=("last_turn", "assigned_total"))

    def __str__(self) -> str:
        return f"agent {self.user_id}"


class DistributionRule(models.Model):
    """Leads matching every criterion given (channel, grade, province) go round-robin to ``members``.
    Rules are tried by ``priority`` (lowest first); a lead no rule matches goes to everyone on duty."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveIntegerField(_("priority"), default=100)
    channel = models.ForeignKey(
        "workspace.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    province = models.CharField(_("region"), max_length=40, blank=True)
    members = models.JSONField(_("salespeople"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        triggers = tracked()

    def __str__(self) -> str:
        return self.name


class LeadAssignment(models.Model):
    class Cause(models.TextChoices):
        RULES = "rules", _("Distribution rules")
        CUSTOMER_OWNER = "customer_owner", _("Owner of the customer")
        MANUAL = "manual", _("Assigned by hand")
        NO_RESPONSE = "no_response", _("First-response time missed")
        QUEUE = "queue", _("From the queue")
        HANDOVER = "handover", _("Handover")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    cause = models.CharField(max_length=20, choices=Cause.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lead", "at"], name="leadassignment_lead_at")]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.owner_id}"
