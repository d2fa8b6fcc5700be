"""Public-schema records with no store data: the audit of HQ access to stores."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HqAccessLog(models.Model):
    """One row per request an HQ user makes on a store's host (read-only drill-down)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    allowed = models.BooleanField(default=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("HQ access")
        verbose_name_plural = _("HQ accesses")
        indexes = [models.Index(fields=["store", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.method} {self.path} @ {self.store_id}"


class AdminApproval(models.Model):
    """An approval a store admin made because nobody else in the store could make it: a one-person
    store, or no other active member holding the permission (the four-eyes rule's one exception)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    own = models.BooleanField(help_text="The admin decided their own application.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("approval by the admin alone")
        verbose_name_plural = _("approvals by the admin alone")
        indexes = [models.Index(fields=["store", "-at"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_id} by {self.user_id} @ {self.store_id}"
