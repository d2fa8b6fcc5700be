"""Team work of a store: announcements with read receipts, work assignments and daily reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenant_apps.audit.tracking import tracked


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


class Announcement(models.Model):
    """A message to everyone in the store, to some roles, or to some people."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        ROLES = "roles", _("Roles")
        PEOPLE = "people", _("People")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    audience = models.CharField(_("recipients"), max_length=10, choices=Audience.choices)
    roles = models.JSONField(_("roles"), default=list, blank=True)
    author = _user(_("author"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        triggers = tracked()

    def __str__(self) -> str:
        return self.title


class AnnouncementReceipt(models.Model):
    """One recipient of an announcement, and when they read it (null: not yet)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts")
    user = _user(_("recipient"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="one_receipt_per_announcement_and_user")
        ]
        indexes = [models.Index(fields=["user", "announcement"])]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.user_id}"


class WorkTask(models.Model):
    """A work assignment: a supervisor or admin gives a member something to do by a date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = _user(_("assignee"))
    created_by = _user(_("assigned by"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("work assignment")
        verbose_name_plural = _("work assignments")
        indexes = [models.Index(fields=["assignee", "status"]), models.Index(fields=["due_date"])]
        triggers = tracked()

    def __str__(self) -> str:
        return self.title


class DailyReport(models.Model):
    """A member's report of one working day (store-local date): one per person and day."""

    author = _user(_("author"))
    date = models.DateField(_("date"))
    done_today = models.TextField(_("done today"), blank=True)
    plan_tomorrow = models.TextField(_("plan for tomorrow"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [models.UniqueConstraint(fields=["author", "date"], name="one_daily_report_per_author_and_day")]
        indexes = [models.Index(fields=["date"])]
        triggers = tracked()

    def __str__(self) -> str:
        return f"{self.author_id} {self.date}"
