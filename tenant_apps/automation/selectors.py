"""Reads of automation: rules and their run log (store admins; supervisors read)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shared_apps.platform.errors import NotFound
from tenant_apps.automation.models import Rule, RuleRun


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.order_by("name", "pk")


def rule_get(*, rule_id) -> Rule:
    try:
        return Rule.objects.get(pk=int(rule_id))
    except (Rule.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such rule.")) from None


def run_list(*, rule: Rule) -> QuerySet[RuleRun]:
    return RuleRun.objects.filter(rule=rule).order_by("-at", "-pk")


def template_rules() -> dict[str, Rule]:
    """The store's rule of each ready-made rule (its own before an inherited one)."""
    found: dict[str, Rule] = {}
    for rule in Rule.objects.exclude(template="").order_by("-active", "hq_rule_id", "pk"):
        found.setdefault(rule.template, rule)
    return found
