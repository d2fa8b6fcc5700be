"""In-app notifications of one store (store schema), optionally also sent by email."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenant_apps.audit.tracking import tracked
from tenant_apps.notifications import messages


class EmailSkipped(models.TextChoices):
    NO_ADDRESS = "no_address", _("No email address")
    INACTIVE = "inactive", _("Recipient inactive or removed")


class Notification(models.Model):
    """One message to one user in this store. ``read_at`` null means unread.

    The recipient lives in the public schema. The foreign key has no database constraint and no
    cascade because a cascade from the public schema cannot see store tables: users are
    deactivated rather than deleted, and rows left by a deleted user are purged by the
    ``notifications.purge_read`` job.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # The title and body as message ids and parameters (``notifications.messages``), so each reader
    # sees them in their own language; ``title`` and ``body`` keep the recipient's copy as sent.
    message = models.JSONField(_("message"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # A digest: further notifications of the same kind to the same person within the digest window
    # are folded into this row (``count`` of them, the latest at ``last_at``) instead of new rows.
    count = models.PositiveIntegerField(_("count"), default=1)
    last_at = models.DateTimeField(_("last at"), null=True, blank=True)
    # A digest's email waits for its window to close (``notifications.send_digests``).
    email_wanted = models.BooleanField(_("email wanted"), default=False)
    # Why an email the recipient wanted was not sent (and never will be): they have no address, or
    # are no longer an active user. Such a row is not wanted by email any more, so it keeps no
    # store due for ``send_digests``; it stays in the app like any other.
    email_skipped = models.CharField(_("email skipped"), max_length=20, choices=EmailSkipped.choices, blank=True)

    EmailSkipped = EmailSkipped

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_recipient_unread_idx"),
            # The digests waiting for their window to close (``send_digests`` and its probe).
            models.Index(
                fields=["created_at"], condition=Q(email_wanted=True, emailed_at__isnull=True), name="notif_digest_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def shown_title(self) -> str:
        """The title in the active language (as sent when it was plain text)."""
        return messages.render((self.message or {}).get("title"), self.title)

    @property
    def shown_body(self) -> str:
        """The body in the active language (as sent when it was plain text)."""
        return messages.render((self.message or {}).get("body"), self.body)


def _user_fk(verbose_name, **kwargs) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class NotificationPreference(models.Model):
    """A member's choice for one kind of notification: also by email or not (in-app always)."""

    user = _user_fk(_("user"))
    kind = models.CharField(_("kind"), max_length=64)
    email = models.BooleanField(_("email"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'email' if self.email else 'in-app'}"


class MessagingProfile(models.Model):
    """A member's SMS number in this store and whether they take SMS at all (opt-out)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    mobile = models.CharField(_("mobile for SMS"), max_length=20, blank=True)
    sms_opt_out = models.BooleanField(_("no SMS"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("messaging profile")
        verbose_name_plural = _("messaging profiles")

    def __str__(self) -> str:
        return f"{self.user_id} {self.mobile}"


class SmsSettings(models.Model):
    """The store's SMS signature (one row, id 1)."""

    signature = models.CharField(_("SMS signature"), max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SMS settings")
        verbose_name_plural = _("SMS settings")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sms_settings_single_row")]

    def __str__(self) -> str:
        return self.signature


class SmsTemplate(models.Model):
    """A store's SMS template for one kind of message (``code``, such as ``automation.alert``): the
    provider's template code (Aliyun ``TemplateCode``) and the text with its placeholders, shown by
    the console backend and as a preview. Only an enabled template is used; without one the message
    goes out as before (``services.DEFAULT_SMS_TEMPLATES``, no provider code)."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    provider_template_code = models.CharField(_("provider template code"), max_length=64, blank=True)
    body = models.CharField(_("text"), max_length=500)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        triggers = tracked()

    def __str__(self) -> str:
        return self.code


class SmsMessage(models.Model):
    """One SMS asked for: sent, failed (with the provider's reason), or held back (opt-out, rate)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        OPTED_OUT = "opted_out", _("Opted out")
        RATE_LIMITED = "rate_limited", _("Rate limited")

    recipient = _user_fk(_("recipient"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20)
    template = models.CharField(_("template"), max_length=64)
    # The provider's template code of the store's template when the message was queued.
    provider_template_code = models.CharField(_("provider template code"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        indexes = [models.Index(fields=["mobile", "created_at"], name="sms_mobile_recent_idx")]

    def __str__(self) -> str:
        return f"{self.mobile} {self.template} {self.status}"
