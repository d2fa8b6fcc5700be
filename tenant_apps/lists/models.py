"""What a person chose on the store's list pages: density and columns per list, and saved views
(场景: a named set of filters, columns and ordering, kept for oneself or shared with the store)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.listing import COMFORTABLE, COMPACT


def _user(verbose_name, **kwargs) -> models.ForeignKey:
    # Users live in the public schema: no database constraint across schemas, never deleted (deactivated).
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class Density(models.TextChoices):
    COMFORTABLE = COMFORTABLE, _("Comfortable")
    COMPACT = COMPACT, _("Compact")


class ListPreference(models.Model):
    user = _user(_("user"))
    list_key = models.CharField(_("list"), max_length=40)
    density = models.CharField(_("density"), max_length=12, choices=Density.choices, default=Density.COMFORTABLE)
    columns = models.JSONField(_("columns"), default=list, blank=True)  # empty: the list's defaults
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "list_key"], name="one_list_preference_per_user")]

    def __str__(self) -> str:
        return f"{self.list_key} · {self.user_id}"


class SavedView(models.Model):
    owner = _user(_("owner"))
    list_key = models.CharField(_("list"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    ordering = models.CharField(_("ordering"), max_length=60, blank=True)
    shared = models.BooleanField(_("shared with the store"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="one_saved_view_name_per_owner_and_list")
        ]
        indexes = [models.Index(fields=["list_key", "shared"])]

    def __str__(self) -> str:
        return self.name
