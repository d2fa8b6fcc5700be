"""Automation rules of one store and the log of what they did.

A rule has a trigger (a domain event, or a schedule), conditions on the record and actions. The
ready-made rules are rules with a ``template`` key and ``params``; HQ's default rules arrive as
rules with ``source = hq`` that follow HQ until a store admin changes them.

``RuleRun`` is the log and the guard: one row per rule and occurrence (unique), inserted before
any action runs, so the same occurrence never fires a rule twice, whoever evaluates it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    class Source(models.TextChoices):
        STORE = "store", _("This store")
        HQ = "hq", _("HQ default")

    name = models.CharField(_("name"), max_length=120)
    trigger = models.JSONField(_("trigger"), default=dict)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    active = models.BooleanField(_("active"), default=True)
    template = models.CharField(_("ready-made rule"), max_length=40, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STORE)
    # The HQ default rule it follows or overrides (a public row, by id).
    hq_rule_id = models.BigIntegerField(null=True, blank=True)
    # The last schedule slot evaluated (for rules on a schedule).
    last_slot = models.DateTimeField(null=True, blank=True)
    # Failures in a row; at FAILURES_BEFORE_PAUSE the rule is switched off and the admins told.
    failures_in_a_row = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        constraints = [
            models.UniqueConstraint(
                fields=["hq_rule_id"], condition=models.Q(hq_rule_id__isnull=False), name="automation_one_per_hq_rule"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    class Outcome(models.TextChoices):
        FIRED = "fired", _("Fired")
        FAILED = "failed", _("Failed")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.CharField(_("record"), max_length=64, blank=True)
    occurrence = models.CharField(_("occurrence"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    actions_done = models.JSONField(_("actions done"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        constraints = [
            models.UniqueConstraint(fields=["rule", "occurrence"], name="automation_run_once_per_occurrence"),
        ]
        indexes = [models.Index(fields=["rule", "-at"], name="automation_run_rule_at_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.occurrence} {self.outcome}"


class ChainStep(models.Model):
    """The next tasks of a chain: when ``task_id`` is done, the first of ``remaining`` is created."""

    run = models.ForeignKey(RuleRun, on_delete=models.CASCADE, related_name="chain_steps")
    task_id = models.BigIntegerField(unique=True)
    remaining = models.JSONField(default=list)
    assignee_id = models.BigIntegerField()
    advanced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task chain step")
        verbose_name_plural = _("task chain steps")

    def __str__(self) -> str:
        return f"{self.run_id} task {self.task_id}"
