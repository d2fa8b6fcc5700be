"""Public-schema tenancy: subsidiaries, stores (tenants), their domains and provisioning records."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Subsidiary(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("subsidiary")
        verbose_name_plural = _("subsidiaries")

    def __str__(self) -> str:
        return self.name


class StoreQuerySet(models.QuerySet):
    def stores(self) -> StoreQuerySet:
        """Real stores: everything but the row django-tenants keeps for the public schema."""
        return self.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)

    def active(self) -> StoreQuerySet:
        return self.stores().exclude(status=Store.Status.SUSPENDED)


class Store(TenantMixin):
    """A store is a tenant: one PostgreSQL schema, reached on its own subdomain."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        READ_ONLY = "read_only", _("Read-only")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=120)
    subdomain = models.CharField(_("subdomain"), max_length=40, unique=True)
    subsidiary = models.ForeignKey(
        Subsidiary, verbose_name=_("subsidiary"), on_delete=models.PROTECT, null=True, blank=True, related_name="stores"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are made by tenants.provisioning (clone of the template schema), never on save().
    auto_create_schema = False
    auto_drop_schema = False

    objects = StoreQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    @property
    def is_writable(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def url(self) -> str:
        from tenants.routing import store_url

        return store_url(self.subdomain)


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class Provisioning(models.Model):
    """The record an operator or a signup polls while a store is being made."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    subdomain = models.CharField(max_length=40)
    subsidiary = models.ForeignKey(Subsidiary, null=True, blank=True, on_delete=models.SET_NULL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    channels = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROVISIONING)
    error = models.TextField(blank=True)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            # At most one provisioning in flight per subdomain.
            models.UniqueConstraint(
                fields=["subdomain"], condition=models.Q(status="provisioning"), name="one_provisioning_per_subdomain"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subdomain} ({self.status})"


class SpareSchema(models.Model):
    """A schema already cloned from the template, waiting to be renamed into a new store's schema."""

    schema_name = models.CharField(max_length=63, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.schema_name
