"""Enquiry statistics (store schema).

- ``DailyEnquiry``: per local day and channel, the enquiries received and how many of them were
  new (store admin). Recording a day again corrects it.
- ``ContactRecord``: per local day and salesperson, WeChat contacts added and phone contacts made,
  with WeChat screenshots as proof (the salesperson themselves).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.uploads import StoredUpload
from tenant_apps.audit.tracking import tracked


class DailyEnquiry(models.Model):
    date = models.DateField(_("date"))
    channel = models.ForeignKey(
        "workspace.Channel", verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    enquiries = models.PositiveIntegerField(_("enquiries"))
    new_enquiries = models.PositiveIntegerField(_("new enquiries"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "channel_id"]
        verbose_name = _("daily enquiries")
        verbose_name_plural = _("daily enquiries")
        constraints = [
            models.UniqueConstraint(fields=["date", "channel"], name="dailyenquiry_unique_day_channel"),
            models.CheckConstraint(condition=Q(new_enquiries__lte=F("enquiries")), name="dailyenquiry_new_le_total"),
        ]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.date} {self.channel_id}: {self.new_enquiries}/{self.enquiries}"


class ContactRecord(models.Model):
    date = models.DateField(_("date"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    wechat_added = models.PositiveIntegerField(_("WeChat contacts added"))
    phone_contacts = models.PositiveIntegerField(_("phone contacts"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "user_id"]
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        constraints = [models.UniqueConstraint(fields=["date", "user"], name="contactrecord_unique_day_user")]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.date} {self.user_id}"


class Screenshot(StoredUpload):
    """A WeChat screenshot proving a contact record: an image, under ``<schema>/screenshots/``."""

    upload_folder = "screenshots"
    accepts_pdf = False
    max_bytes_setting = "SCREENSHOT_MAX_BYTES"

    record = models.ForeignKey(ContactRecord, on_delete=models.CASCADE, related_name="screenshots")

    class Meta(StoredUpload.Meta):
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")
        triggers = tracked()
