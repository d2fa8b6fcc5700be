"""The store's lead settings, distribution rules and who is on duty."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.leads import selectors
from tenant_apps.leads.models import DistributionRule, LeadAgent, LeadSettings
from tenant_apps.leads.services.common import GRADES, _assignable_owner, _channel, _require, owner_members
from tenant_apps.leads.services.distribution import _lock_settings

# --- settings, rules, duty ------------------------------------------------------------------------

SETTINGS_FIELDS = {"first_response_minutes": (0, 7 * 24 * 60), "open_lead_cap": (0, 100_000)}


def lead_settings_update(*, access: StoreAccess, data: Any) -> LeadSettings:
    """Change the store's distribution settings (``first_response_minutes``, ``open_lead_cap``,
    ``enquiries_from_leads``); every value checked first."""
    _require(access, "leads.rules.manage")
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("An object is expected.")]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key in SETTINGS_FIELDS:
            low, high = SETTINGS_FIELDS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[key] = [_("Enter a number between %(low)d and %(high)d.") % {"low": low, "high": high}]
            else:
                clean[key] = value
        elif key == "enquiries_from_leads":
            if not isinstance(value, bool):
                errors[key] = [_("Enter true or false.")]
            else:
                clean[key] = value
        else:
            errors[str(key)] = [_("Unknown field.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        row = _lock_settings()
        for key, value in clean.items():
            setattr(row, key, value)
        row.save()
    return row


def _clean_rule(data: Any, errors: dict) -> dict[str, Any]:
    if not isinstance(data, dict):
        errors["non_field_errors"] = [_("An object is expected.")]
        return {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in ("name", "priority", "channel", "grade", "province", "members", "active"):
            errors[str(key)] = [_("Unknown field.")]
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        errors["name"] = [_("A name of at most 100 characters is required.")]
    else:
        clean["name"] = name.strip()
    priority = data.get("priority", 100)
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 10_000:
        errors["priority"] = [_("Enter a number between %(low)d and %(high)d.") % {"low": 0, "high": 10_000}]
    else:
        clean["priority"] = priority
    clean["channel"] = _channel(data.get("channel"), errors)
    grade = str(data.get("grade") or "").strip().upper()
    if grade and grade not in GRADES:
        errors["grade"] = [_("Choose A, B, C or D.")]
    clean["grade"] = grade
    province = data.get("province") or ""
    if not isinstance(province, str) or len(province.strip()) > 40:
        errors["province"] = [_("At most %(max)d characters.") % {"max": 40}]
    else:
        clean["province"] = province.strip()
    members = data.get("members")
    owners = owner_members()
    if not isinstance(members, list) or not members:
        errors["members"] = [_("Name at least one salesperson.")]
    else:
        ids = []
        for value in members:
            if isinstance(value, bool) or not isinstance(value, int) or value not in owners:
                errors["members"] = [
                    _("Not an active salesperson or supervisor of this store: %(id)s.") % {"id": value}
                ]
                break
            ids.append(value)
        clean["members"] = sorted(set(ids))
    active = data.get("active", True)
    if not isinstance(active, bool):
        errors["active"] = [_("Enter true or false.")]
    clean["active"] = active
    return clean


def rule_create(*, access: StoreAccess, data: Any) -> DistributionRule:
    _require(access, "leads.rules.manage")
    errors: dict = {}
    clean = _clean_rule(data, errors)
    if errors:
        raise ValidationFailed(_("Invalid rule."), errors=errors)
    return DistributionRule.objects.create(**clean)


def rule_delete(*, access: StoreAccess, rule_id: Any) -> None:
    _require(access, "leads.rules.manage")
    rule = selectors.rule_list().filter(pk=int(rule_id) if str(rule_id).isdigit() else 0).first()
    if rule is None:
        raise NotFound(_("No such rule."))
    rule.delete()


def agent_set_duty(*, access: StoreAccess, user_id: Any, on_duty: Any) -> LeadAgent:
    """Put a salesperson on or off duty (off duty: passed over by round-robin)."""
    _require(access, "leads.assign")
    errors: dict = {}
    owner_id = _assignable_owner(user_id, errors)
    if owner_id is not None and not can_see_owner(access, owner_id):
        errors["owner"] = [_("You may only manage your team.")]
    if not isinstance(on_duty, bool):
        errors["on_duty"] = [_("Enter true or false.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    agent, _created = LeadAgent.objects.get_or_create(user_id=owner_id)
    agent.on_duty = on_duty
    agent.save(update_fields=["on_duty"])
    return agent
