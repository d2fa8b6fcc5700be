"""Store-schema basics: the store's channels (its shops on platforms) and its policies."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tenant_apps.audit.tracking import tracked


class Channel(models.Model):
    class Platform(models.TextChoices):
        TMALL = "tmall", _("Tmall")
        JD = "jd", _("JD")
        ALI1688 = "1688", _("1688")
        PDD = "pdd", _("Pinduoduo")
        DOUYIN = "douyin", _("Douyin")
        TAOBAO = "taobao", _("Taobao")
        ALIBABA = "alibaba", _("Alibaba.com")
        OFFLINE = "offline", _("Offline")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=40, unique=True)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        triggers = tracked()

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name for a page: a channel still named after its platform (in any language, as it
        was made) reads as the platform in the reader's language; a name the store chose is kept."""
        if self.platform not in self.Platform.values:
            return self.name
        platform = self.Platform(self.platform).label
        names = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(str(platform))
        return str(platform) if self.name in names else self.name


class StoreSettings(models.Model):
    """The store's policies, one row. Modules read them only through
    ``workspace.selectors.store_settings_get``, which applies HQ's company defaults to every field
    the store does not override (``overrides``)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    discount_threshold = models.DecimalField(
        _("discount approval threshold"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.900"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    pool_grace_days = models.PositiveSmallIntegerField(_("follow-up grace period (days)"), default=3)
    pool_max_idle_days = models.PositiveSmallIntegerField(_("maximum idle days"), default=30)
    pool_return_visit_days = models.PositiveSmallIntegerField(_("return-visit deadline (days)"), default=7)
    pool_ownership_cap = models.PositiveIntegerField(_("ownership cap"), default=500)
    pool_daily_claim_limit = models.PositiveSmallIntegerField(_("daily claim limit"), default=20)
    pool_reclaim_cooldown_days = models.PositiveSmallIntegerField(_("re-claim cooldown (days)"), default=30)
    pool_release_warning_days = models.PositiveSmallIntegerField(_("release warning (days)"), default=2)
    return_visit_window_days = models.PositiveSmallIntegerField(_("return visit window (days)"), default=7)
    # The policy fields this store set itself; every other policy follows HQ's company default.
    overrides = models.JSONField(_("overridden policies"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("store settings")
        verbose_name_plural = _("store settings")
        triggers = tracked()

    def __str__(self) -> str:
        return "settings"


def letterhead_logo_path(instance: Letterhead, filename: str) -> str:
    # ``store_prefix`` is set by the service from the current tenant: files live under a per-store prefix.
    return f"{instance.store_prefix}/letterhead/{instance.stored_name}"


class Letterhead(models.Model):
    """What the store prints at the head and foot of its documents (the quotation PDF): the seller's
    name, logo, address and contacts, bank account, tax note and standard terms. One row."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    company_name = models.CharField(_("seller's name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    tax_number = models.CharField(_("tax number"), max_length=50, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=100, blank=True)
    tax_note = models.CharField(_("tax note"), max_length=300, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    logo = models.FileField(_("logo"), upload_to=letterhead_logo_path, max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    store_prefix = ""
    stored_name = ""

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterheads")
        triggers = tracked()

    def __str__(self) -> str:
        return self.company_name
