"""Billing: plans, the billing account of a store (its Stripe customer and subscription) and the
Stripe events already processed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shared_apps.billing.catalogue import plan_label


class Plan(models.Model):
    """A plan and its limits (null: unlimited). Seeded by a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    max_seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    max_customers = models.PositiveIntegerField(_("customers"), null=True, blank=True)
    trial_days = models.PositiveIntegerField(_("trial days"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_public = models.BooleanField(_("offered at signup"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The plan's name in the reader's language (a translatable label by code, else ``name``)."""
        return plan_label(self.code, self.name)

    @property
    def stripe_price(self) -> str:
        """The Stripe price id of this plan (settings.STRIPE_PRICES), empty when it cannot be bought."""
        return settings.STRIPE_PRICES.get(self.code, "")


class Account(models.Model):
    """The billing account of one store: who signed up, the plan, the Stripe customer and
    subscription, and the billing state (kept apart from the store's own status)."""

    class State(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        READ_ONLY = "read_only", _("Read-only (unpaid)")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.CharField(_("company"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_accounts", null=True, blank=True
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="accounts")
    provisioning = models.OneToOneField(
        "tenants.Provisioning", on_delete=models.SET_NULL, null=True, blank=True, related_name="billing_account"
    )
    store = models.OneToOneField(
        "tenants.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="billing_account"
    )
    state = models.CharField(_("billing state"), max_length=20, choices=State.choices, default=State.TRIALING)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    # The Stripe ``created`` time of the newest event applied to the state: older events arriving
    # late are recorded but change nothing.
    state_event_at = models.DateTimeField(null=True, blank=True)
    # True while the store is read-only because of billing (and not because HQ made it so).
    store_locked_by_billing = models.BooleanField(default=False)
    stripe_customer_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True, db_index=True)
    subscription_status = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("billing account")
        verbose_name_plural = _("billing accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_customer_id"],
                condition=~models.Q(stripe_customer_id=""),
                name="billing_one_account_per_stripe_customer",
            )
        ]

    def __str__(self) -> str:
        return self.company

    @property
    def blocks_writes(self) -> bool:
        return self.state in (self.State.READ_ONLY, self.State.CANCELLED)


class WebhookEvent(models.Model):
    """A Stripe event processed once: its id is unique and written in the transaction that applies it."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    outcome = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} ({self.type})"
