"""HQ's own records in the public schema: the company-wide default store policies and HQ
announcements to stores."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CompanyPolicy(models.Model):
    """Company-wide default store policies, one row. A store uses these values for every policy
    it has not set itself (its settings list the fields it overrides)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    discount_threshold = models.DecimalField(
        _("discount approval threshold"), max_digits=4, decimal_places=3, default=Decimal("0.900")
    )
    pool_grace_days = models.PositiveSmallIntegerField(_("follow-up grace period (days)"), default=3)
    pool_max_idle_days = models.PositiveSmallIntegerField(_("maximum idle days"), default=30)
    pool_return_visit_days = models.PositiveSmallIntegerField(_("return-visit deadline (days)"), default=7)
    pool_ownership_cap = models.PositiveIntegerField(_("ownership cap"), default=500)
    pool_daily_claim_limit = models.PositiveSmallIntegerField(_("daily claim limit"), default=20)
    pool_reclaim_cooldown_days = models.PositiveSmallIntegerField(_("re-claim cooldown (days)"), default=30)
    pool_release_warning_days = models.PositiveSmallIntegerField(_("release warning (days)"), default=2)
    return_visit_window_days = models.PositiveSmallIntegerField(_("return visit window (days)"), default=7)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("company policy")
        verbose_name_plural = _("company policies")

    def __str__(self) -> str:
        return "company policy"


class HqAnnouncement(models.Model):
    """An announcement from HQ to every store (``all_stores``) or to the stores chosen."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    all_stores = models.BooleanField(_("all stores"), default=False)
    stores = models.ManyToManyField("tenants.Store", blank=True, related_name="+", verbose_name=_("stores"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("HQ announcement")
        verbose_name_plural = _("HQ announcements")

    def __str__(self) -> str:
        return self.title


class StoreBackup(models.Model):
    """One backup of a store schema (or, with no store, of the public schema): a PostgreSQL custom
    format dump, the store's files and a manifest, kept together in the backup storage."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Daily")
        MANUAL = "manual", _("Manual")
        SAFETY = "safety", _("Before a restore")
        FINAL = "final", _("Final (store closed)")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey("tenants.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="backups")
    subdomain = models.CharField(max_length=40, blank=True)
    schema_name = models.CharField(max_length=63)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    step = models.CharField(max_length=40, blank=True)
    location = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    taken_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["store", "-taken_at"])]

    def __str__(self) -> str:
        return f"{self.schema_name} {self.kind} {self.taken_at:%Y-%m-%d %H:%M}"


class StoreRestore(models.Model):
    """A restore of a backup into its store's own schema (in place) or into a new sandbox store."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    backup = models.ForeignKey(StoreBackup, null=True, on_delete=models.SET_NULL, related_name="restores")
    store = models.ForeignKey("tenants.Store", null=True, on_delete=models.SET_NULL, related_name="+")
    as_subdomain = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    step = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"restore {self.backup_id} ({self.status})"


class StoreClosure(models.Model):
    """A store's closing: read-only at once, a final backup, its schema dropped after the grace
    period unless it is reopened before."""

    class Stage(models.TextChoices):
        CLOSED = "closed", _("Closed (read-only, can be reopened)")
        DROPPED = "dropped", _("Schema dropped")
        REOPENED = "reopened", _("Reopened")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="closures")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.CLOSED)
    previous_status = models.CharField(max_length=20)
    final_backup = models.ForeignKey(StoreBackup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField()
    drop_after = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-closed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["store"], condition=models.Q(stage="closed"), name="one_open_closure_per_store"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.stage}"


class HqSignIn(models.Model):
    """A sign-in or a failed sign-in on the HQ host (page or token); a store's own are kept in the
    store (``tenant_apps.audit.SignIn``)."""

    at = models.DateTimeField(_("at"))
    user_id = models.BigIntegerField(null=True, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    succeeded = models.BooleanField(_("succeeded"))
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=10)  # page, token

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("HQ sign-in")
        verbose_name_plural = _("HQ sign-ins")
        indexes = [
            models.Index(models.F("at").desc(), models.F("id").desc(), name="hq_signin_at"),
            models.Index(fields=["email", "-at"], name="hq_signin_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {'ok' if self.succeeded else 'failed'}"


class HqDefaultRule(models.Model):
    """A ready-made automation rule HQ switches on for every store, with its parameters. A store
    follows it until its admin changes its copy, or switches on the same ready-made rule itself."""

    name = models.CharField(_("name"), max_length=120)
    template = models.CharField(_("ready-made rule"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Empty: the ready-made rule's own actions.
    actions = models.JSONField(_("actions"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("HQ default rule")
        verbose_name_plural = _("HQ default rules")

    def __str__(self) -> str:
        return self.name
