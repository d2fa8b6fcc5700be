"""Automation rules: writing them, inheriting HQ's defaults, and firing them exactly once.

Firing (``fire``) inserts the run's row first, under the unique (rule, occurrence) constraint, in
the transaction that then runs the actions. A second evaluator of the same occurrence (another
worker, an overlapping job, the event consumer and the schedule at once) waits on that insert
and, once the first commits, finds the occurrence taken and does nothing. If the actions fail,
they are undone, the run is kept as ``failed`` with the error (so the occurrence is not tried
again), and the store's admins are told; after ``FAILURES_BEFORE_PAUSE`` failures in a row the
rule is switched off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hq_console import selectors as hq_selectors
from shared_apps.accounts.access import StoreAccess, resolve_store_access
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import InvalidTransition, ValidationFailed
from tenant_apps.automation import actions as rule_actions
from tenant_apps.automation import conditions, schedules, templates
from tenant_apps.automation.models import Rule, RuleRun
from tenant_apps.notifications.services import notify
from tenants.storetime import current_store

logger = logging.getLogger(__name__)

FAILURES_BEFORE_PAUSE = 3
NAME_MAX_LENGTH = 120
EVENT_PATTERN_CHARS = set("abcdefghijklmnopqrstuvwxyz_.*")
TEMPLATE_TRIGGER = {"schedule": "hourly"}


# --- validation -------------------------------------------------------------------------------


def _member_ids() -> set[int]:
    return set(member_list(store=current_store()).filter(is_active=True).values_list("user_id", flat=True))


def _clean_trigger(trigger: Any, errors: dict[str, list[str]]) -> dict:
    if not isinstance(trigger, dict) or len([k for k in ("event", "schedule") if k in trigger]) != 1:
        errors["trigger"] = [_('Give {"event": "order.status_changed"} or {"schedule": "daily", "records": "orders"}.')]
        return {}
    if "event" in trigger:
        event = trigger["event"]
        if set(trigger) != {"event"} or not isinstance(event, str) or not event or len(event) > 64:
            errors["trigger"] = [_("An event trigger names one event type, such as order.status_changed.")]
        elif not set(event) <= EVENT_PATTERN_CHARS or (event != "*" and "." not in event):
            errors["trigger"] = [_("An event type is written like order.status_changed (or * for every event).")]
        return {"event": event}
    unknown = set(trigger) - {"schedule", "records"}
    if unknown:
        errors["trigger"] = [_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))}]
        return {}
    try:
        schedule = schedules.validate(trigger["schedule"])
    except schedules.InvalidSchedule as exc:
        errors["trigger"] = [str(exc)]
        return {}
    records = trigger.get("records")
    if records not in templates.RECORD_KINDS:
        errors["trigger"] = [
            _("A rule on a schedule names its records: %(kinds)s.") % {"kinds": ", ".join(templates.RECORD_KINDS)}
        ]
        return {}
    return {"schedule": schedule, "records": records}


def _clean(data: dict[str, Any], *, current: Rule | None) -> dict[str, Any]:
    """Every field of a rule checked at once; raises ValidationFailed naming each bad one."""
    errors: dict[str, list[str]] = {}
    allowed = {"name", "trigger", "conditions", "actions", "active", "template", "params"}
    unknown = set(data) - allowed
    if unknown:
        errors.update({key: [_("Unknown field.")] for key in sorted(unknown)})
    values: dict[str, Any] = {}
    template_key = data.get("template", current.template if current else "")
    template = None
    if template_key:
        template = templates.get(template_key) if isinstance(template_key, str) else None
        if template is None:
            errors["template"] = [
                _("Choose from: %(values)s.") % {"values": ", ".join(t.key for t in templates.TEMPLATES)}
            ]
        elif current is not None and current.template != template_key:
            errors["template"] = [_("A rule's ready-made rule cannot change; make another rule.")]
    if "name" in data or current is None:
        name = data.get("name")
        if name is None and template is not None:
            name = str(template.label)
        if isinstance(name, str):
            name = name.strip()
        if not isinstance(name, str) or not name or len(name) > NAME_MAX_LENGTH:
            errors["name"] = [_("A name of 1 to %(max)d characters is required.") % {"max": NAME_MAX_LENGTH}]
        else:
            values["name"] = name
    if template is not None:
        if "trigger" in data:
            errors["trigger"] = [_("A ready-made rule runs on its own schedule.")]
        base = current.params if current is not None else {}
        given = data.get("params", {})
        merged = {**base, **given} if isinstance(given, dict) else given
        params, param_errors = templates.clean_params(template, merged)
        errors.update(param_errors)
        values["params"] = params
        values["trigger"] = dict(TEMPLATE_TRIGGER)
        if current is None and "actions" not in data:
            values["actions"] = template.actions
    else:
        if "params" in data and data["params"] not in (None, {}):
            errors["params"] = [_("Only ready-made rules take parameters.")]
        if "trigger" in data or current is None:
            values["trigger"] = _clean_trigger(data.get("trigger"), errors)
    if "conditions" in data:
        try:
            values["conditions"] = conditions.validate(data["conditions"])
        except conditions.InvalidCondition as exc:
            errors["conditions"] = [str(exc)]
    if "actions" in data or (current is None and "actions" not in values):
        try:
            values["actions"] = rule_actions.validate(
                data.get("actions"), member_ids=_member_ids(), sms_templates=rule_actions.sms_template_codes()
            )
        except rule_actions.InvalidAction as exc:
            errors["actions"] = [str(exc)]
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = [_("Give true or false.")]
        else:
            values["active"] = data["active"]
    if errors:
        raise ValidationFailed(_("Invalid rule."), errors=errors)
    if template is not None:
        values["template"] = template.key
    return values


# --- writes -----------------------------------------------------------------------------------


def rule_create(*, data: Any, access: StoreAccess) -> Rule:
    if not isinstance(data, dict):
        raise ValidationFailed(_("A JSON object is expected."))
    values = _clean(data, current=None)
    with transaction.atomic():
        rule = Rule.objects.create(created_by_id=access.user.pk, source=Rule.Source.STORE, **values)
        if rule.template:
            # The store's own copy of a ready-made rule overrides HQ's default of the same kind.
            Rule.objects.filter(source=Rule.Source.HQ, template=rule.template).update(active=False)
    return rule


def rule_update(*, rule: Rule, data: Any, access: StoreAccess) -> Rule:
    """Change a rule. Changing an inherited HQ default makes it the store's own (overridden)."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("A JSON object is expected."))
    values = _clean(data, current=rule)
    with transaction.atomic():
        locked = Rule.objects.select_for_update().get(pk=rule.pk)
        for key, value in values.items():
            setattr(locked, key, value)
        if locked.source == Rule.Source.HQ and values:
            locked.source = Rule.Source.STORE
        if values.get("active"):
            locked.failures_in_a_row = 0
        locked.save()
    return locked


def rule_delete(*, rule: Rule) -> None:
    """Delete a store rule with its log. An inherited HQ default cannot be deleted while HQ still
    publishes it (switch it off); once HQ deleted the default, the store may delete its copy."""
    if rule.hq_rule_id is not None and hq_selectors.default_rules().filter(pk=rule.hq_rule_id).exists():
        raise InvalidTransition(_("An HQ default rule cannot be deleted here; switch it off instead."))
    rule.delete()


def rule_reset(*, rule: Rule) -> Rule:
    """Put an overridden HQ default back on HQ's values."""
    if rule.hq_rule_id is None:
        raise InvalidTransition(_("Only a rule that came from HQ can be reset to HQ's default."))
    with transaction.atomic():
        locked = Rule.objects.select_for_update().get(pk=rule.pk)
        locked.source = Rule.Source.HQ
        locked.save(update_fields=["source", "updated_at"])
        inherit_hq_rules()
    return Rule.objects.get(pk=rule.pk)


def inherit_hq_rules() -> int:
    """Bring the store's copies of HQ's default rules up to date. A copy the store changed
    (``source`` store) is left alone; a default whose ready-made rule the store switched on itself
    is overridden by it. Returns the number of copies written."""
    own_templates = set(
        Rule.objects.filter(source=Rule.Source.STORE, hq_rule_id__isnull=True)
        .exclude(template="")
        .values_list("template", flat=True)
    )
    copies = {rule.hq_rule_id: rule for rule in Rule.objects.filter(hq_rule_id__isnull=False)}
    written = 0
    seen: set[int] = set()
    for default in hq_selectors.default_rules():
        seen.add(default.pk)
        template = templates.get(default.template)
        if template is None:
            continue
        values = {
            "name": default.name,
            "template": default.template,
            "params": {**template.defaults(), **default.params},
            "actions": default.actions or template.actions,
            "trigger": dict(TEMPLATE_TRIGGER),
            "active": default.active and default.template not in own_templates,
        }
        copy = copies.get(default.pk)
        if copy is None:
            try:
                with transaction.atomic():
                    Rule.objects.create(hq_rule_id=default.pk, source=Rule.Source.HQ, **values)
            except IntegrityError:  # made by a concurrent run
                continue
            written += 1
        elif copy.source == Rule.Source.HQ and any(getattr(copy, k) != v for k, v in values.items()):
            Rule.objects.filter(pk=copy.pk).update(**values, updated_at=timezone.now())
            written += 1
    # Defaults HQ removed: their copies stop (their log stays).
    Rule.objects.filter(hq_rule_id__isnull=False, source=Rule.Source.HQ, active=True).exclude(
        hq_rule_id__in=seen
    ).update(active=False)
    return written


# --- firing -----------------------------------------------------------------------------------


def _rule_access(rule: Rule) -> StoreAccess | None:
    """Who acts for a rule where an action needs a person: its author while an active admin or
    supervisor of the store, else the store's first active admin."""
    store = current_store()
    members = member_list(store=store).filter(is_active=True, user__is_active=True)
    candidates = []
    if rule.created_by_id:
        candidates.append(
            members.filter(user_id=rule.created_by_id, role__in=[StoreRole.ADMIN, StoreRole.SUPERVISOR]).first()
        )
    candidates.append(members.filter(role=StoreRole.ADMIN).order_by("pk").first())
    for membership in candidates:
        if membership is not None:
            return resolve_store_access(user=membership.user, store=store)
    return None


def _admin_ids() -> list[int]:
    return list(
        member_list(store=current_store())
        .filter(is_active=True, role=StoreRole.ADMIN)
        .values_list("user_id", flat=True)
    )


def fire(*, rule: Rule, occurrence: templates.Occurrence, at: datetime) -> RuleRun | None:
    """Run ``rule``'s actions for ``occurrence`` unless it already fired for it. Returns the run,
    or None when the occurrence was already taken."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = RuleRun.objects.create(
                    rule=rule,
                    record_type=occurrence.record_type,
                    record_id=occurrence.record_id[:64],
                    occurrence=occurrence.key[:200],
                    outcome=RuleRun.Outcome.FIRED,
                    at=at,
                )
        except IntegrityError:
            return None
        try:
            with transaction.atomic():
                # A person to act for the rule only where an action needs one (tasks, tags).
                needs_access = any(a.get("type") in ("task", "add_tag") for a in rule.actions)
                access = _rule_access(rule) if needs_access else None
                run.actions_done = rule_actions.execute(rule=rule, occurrence=occurrence, run=run, access=access)
        except Exception as exc:  # noqa: BLE001 - any failure of an action is the rule's failure, logged
            logger.warning("automation rule %s failed on %s: %s", rule.pk, occurrence.key, exc)
            run.outcome = RuleRun.Outcome.FAILED
            run.error = (str(exc) or exc.__class__.__name__)[:2000]
            run.save(update_fields=["outcome", "error"])
            _report_failure(rule=rule, run=run)
            return run
        run.save(update_fields=["actions_done"])
        if rule.failures_in_a_row:
            Rule.objects.filter(pk=rule.pk).update(failures_in_a_row=0)
    return run


def _report_failure(*, rule: Rule, run: RuleRun) -> None:
    locked = Rule.objects.select_for_update().get(pk=rule.pk)
    locked.failures_in_a_row += 1
    paused = locked.failures_in_a_row >= FAILURES_BEFORE_PAUSE and locked.active
    if paused:
        locked.active = False
    locked.save(update_fields=["failures_in_a_row", "active", "updated_at"])
    notify(
        recipients=_admin_ids(),
        kind="automation.rule_failed",
        title=(
            format_lazy(
                gettext_lazy("Automation rule {name} failed {count} times and was switched off"),
                name=rule.name,
                count=locked.failures_in_a_row,
            )
            if paused
            else format_lazy(gettext_lazy("Automation rule {name} failed"), name=rule.name)
        ),
        body=run.error[:500],
        url=f"/automations/{rule.pk}/runs/",
        data={"rule": rule.pk, "run": run.pk},
    )


def _fire_all(rule: Rule, occurrences: Iterable[templates.Occurrence], at: datetime, counts: dict[str, int]) -> None:
    """Fire ``rule`` for each occurrence it has not fired for (the unique insert is the guard;
    the look-up first only spares the work)."""
    batch: list[templates.Occurrence] = []

    def flush() -> None:
        matching = []
        for occurrence in batch:
            if conditions.matches(rule.conditions, occurrence.record):
                matching.append(occurrence)
            else:
                counts["not_matched"] += 1
        keys = [o.key for o in matching]
        taken = set(RuleRun.objects.filter(rule=rule, occurrence__in=keys).values_list("occurrence", flat=True))
        for occurrence in matching:
            if occurrence.key in taken:
                counts["already"] += 1
                continue
            run = fire(rule=rule, occurrence=occurrence, at=at)
            if run is None:
                counts["already"] += 1
            elif run.outcome == RuleRun.Outcome.FAILED:
                counts["failed"] += 1
            else:
                counts["fired"] += 1
        batch.clear()

    for occurrence in occurrences:
        batch.append(occurrence)
        if len(batch) >= 500:
            flush()
    if batch:
        flush()


def run_schedules(*, at: datetime, template: str | None = None) -> dict[str, int]:
    """Evaluate every active rule on a schedule whose slot has come (ready-made rules: each hour).

    ``template`` limits the run to the rules of one ready-made rule (its own job)."""
    inherit_hq_rules()
    counts = {"rules": 0, "fired": 0, "already": 0, "not_matched": 0, "failed": 0}
    rules = Rule.objects.filter(active=True, trigger__has_key="schedule").order_by("pk")
    if template is not None:
        rules = rules.filter(template=template)
    for rule in rules:
        schedule = rule.trigger.get("schedule", "")
        try:
            slot = schedules.slot(schedule, at)
        except schedules.InvalidSchedule:
            continue
        if slot is None:
            continue
        if rule.last_slot is not None and slot <= rule.last_slot:
            continue
        counts["rules"] += 1
        if rule.template:
            chosen = templates.get(rule.template)
            if chosen is None:
                continue
            occurrences = chosen.scan({**chosen.defaults(), **rule.params}, at)
        else:
            occurrences = templates.scheduled_records(rule.trigger.get("records", ""), slot_key=slot.isoformat())
        _fire_all(rule, occurrences, at, counts)
        Rule.objects.filter(pk=rule.pk).update(last_slot=slot)
    return counts


def handle_event(*, event_type: str, event_id: str, entity: str, entity_id: Any, data: dict, at: datetime) -> dict:
    """Evaluate the active event rules for one event of the store's log."""
    counts = {"rules": 0, "fired": 0, "already": 0, "not_matched": 0, "failed": 0}
    record = data if isinstance(data, dict) else {}
    owner = record.get("owner")
    customer = record.get("customer")
    occurrence = templates.Occurrence(
        record_type=entity,
        record_id=str(entity_id or ""),
        key=f"event:{event_id}",
        record=record,
        title=_("%(event)s: %(entity)s %(id)s") % {"event": event_type, "entity": entity, "id": entity_id},
        url="",
        owner_id=owner if isinstance(owner, int) else (customer.get("owner") if isinstance(customer, dict) else None),
    )
    for rule in Rule.objects.filter(active=True, trigger__has_key="event").order_by("pk"):
        wanted = rule.trigger.get("event")
        if wanted not in ("*", event_type):
            continue
        counts["rules"] += 1
        _fire_all(rule, [occurrence], at, counts)
    return counts


def on_task_done(*, task_id: int) -> int | None:
    """The next task of a chain, when a chained task is done."""
    from tenant_apps.automation.models import ChainStep

    step = ChainStep.objects.filter(task_id=task_id, advanced_at__isnull=True).select_related("run__rule").first()
    if step is None:
        return None
    return rule_actions.advance_chain(task_id=task_id, access=_rule_access(step.run.rule))
