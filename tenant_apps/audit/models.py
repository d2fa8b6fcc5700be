"""The store's action log (操作日志): every tracked write, written by the database triggers of
``tracking`` (never by the application), and sign-ins to the store."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        # Not row changes: written by the application (the personal-data export and erasure).
        EXPORT = "export", _("Personal data exported")
        ERASE = "erase", _("Personal data erased")

    at = models.DateTimeField(_("at"))
    # Users live in the public schema: an id without a constraint, and the address as it was.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(_("actor"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    # request, hq, job, import, task; database when nothing told the session who acts.
    source = models.CharField(_("source"), max_length=20)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=80)
    object_id = models.CharField(_("record"), max_length=40)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log entries")
        indexes = [
            models.Index(models.F("at").desc(), models.F("id").desc(), name="audit_entry_at"),
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_entry_object"),
            models.Index(fields=["actor_id", "-at"], name="audit_entry_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class SignIn(models.Model):
    """A sign-in or a failed sign-in on this store's host (page or token)."""

    at = models.DateTimeField(_("at"))
    user_id = models.BigIntegerField(null=True, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    succeeded = models.BooleanField(_("succeeded"))
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=10)  # page, token

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(models.F("at").desc(), models.F("id").desc(), name="audit_signin_at"),
            models.Index(fields=["email", "-at"], name="audit_signin_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {'ok' if self.succeeded else 'failed'}"
