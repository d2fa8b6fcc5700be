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
