"""What a rule does when it fires. Each action is a JSON object with a ``type``:

- ``notify``: ``{"type": "notify", "owner": true, "roles": ["supervisor"], "users": [12], "title"?, "body"?}``
  in-app (and email as each person's preference for ``automation.alert`` says);
- ``email``: the same recipients, always by email as well;
- ``sms``: the same recipients, by SMS (``"template"``, default ``automation.alert``: a built-in kind
  or the code of one of the store's enabled SMS templates, see ``sms_template_codes``);
- ``task``: ``{"type": "task", "assignee": "owner" | user id, "title", "due_in_days"?, "then": [{"title",
  "due_in_days"?}, ...]}`` a work assignment; each of ``then`` is created when the previous is done;
- ``assign_owner``: ``{"type": "assign_owner", "user": id}`` gives the record's customer to a member;
- ``add_tag``: ``{"type": "add_tag", "tag": "名称"}`` tags the record's customer (the tag is made if new).

``title`` and ``body`` may use the record's fields: ``{number}``, ``{name}``, ``{customer.name}``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.customers import services as customer_services
from tenant_apps.notifications import selectors as notification_selectors
from tenant_apps.notifications import services as notification_services
from tenant_apps.teamwork import services as teamwork_services
from tenants.storetime import current_store, local_today

ACTION_TYPES = ("notify", "email", "sms", "task", "assign_owner", "add_tag")
RECIPIENT_ROLES = tuple(StoreRole.values)
MAX_ACTIONS = 10
MAX_CHAIN = 10
TEXT_MAX = 200
DEFAULT_SMS_TEMPLATE = "automation.alert"
# How an SMS template's code is written (the kind of message: ``automation.alert``).
SMS_TEMPLATE_CODE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
SMS_TEMPLATE_CODE_MAX = 64


class InvalidAction(ValueError):
    pass


def _check_recipients(action: dict, where: str) -> None:
    roles = action.get("roles", [])
    users = action.get("users", [])
    if not isinstance(roles, list) or any(role not in RECIPIENT_ROLES for role in roles):
        raise InvalidAction(
            _("%(where)s: roles are among %(roles)s.") % {"where": where, "roles": ", ".join(RECIPIENT_ROLES)}
        )
    if not isinstance(users, list) or any(not isinstance(u, int) or isinstance(u, bool) for u in users):
        raise InvalidAction(_("%(where)s: users is a list of user ids.") % {"where": where})
    if not isinstance(action.get("owner", False), bool):
        raise InvalidAction(_("%(where)s: owner is true or false.") % {"where": where})
    if not (action.get("owner") or roles or users):
        raise InvalidAction(_("%(where)s: name the owner, roles or users to reach.") % {"where": where})


def _check_text(action: dict, key: str, where: str, *, required: bool = False) -> None:
    value = action.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX:
        raise InvalidAction(
            _("%(where)s: %(key)s is a text of 1 to %(max)d characters.")
            % {"where": where, "key": key, "max": TEXT_MAX}
        )


def _check_days(value: Any, where: str) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365):
        raise InvalidAction(_("%(where)s: due_in_days is a whole number from 0 to 365.") % {"where": where})


def sms_template_codes() -> list[str]:
    """The SMS templates a rule's ``sms`` action may name in this store, sorted: the built-in kinds
    (sent with their built-in text when the store has no enabled template of that code) and the
    codes of the store's enabled templates. A switched-off template of another code sends nothing."""
    enabled = notification_selectors.sms_template_list().filter(enabled=True).values_list("code", flat=True)
    return sorted({*notification_services.DEFAULT_SMS_TEMPLATES, *enabled})


def _check_sms_template(action: dict, where: str, sms_templates: Collection[str] | None) -> None:
    if "template" not in action:
        return
    code = action["template"]
    if not isinstance(code, str) or len(code) > SMS_TEMPLATE_CODE_MAX or not SMS_TEMPLATE_CODE.match(code):
        raise InvalidAction(
            _("%(where)s: template is the code of an SMS template, such as %(example)s.")
            % {"where": where, "example": DEFAULT_SMS_TEMPLATE}
        )
    if sms_templates is not None and code not in sms_templates:
        raise InvalidAction(
            _("%(where)s: this store has no enabled SMS template %(code)s; choose from: %(codes)s.")
            % {"where": where, "code": code, "codes": ", ".join(sorted(sms_templates))}
        )


def validate(actions: Any, *, member_ids: set[int], sms_templates: Collection[str] | None = None) -> list[dict]:
    """The actions, checked; raises InvalidAction for the first bad one.

    ``sms_templates``: the SMS template codes an ``sms`` action may name (``sms_template_codes()``
    in a store); None where they cannot be known (HQ's default rules, checked when they fire).
    """
    if not isinstance(actions, list) or not actions:
        raise InvalidAction(_("Give a list of one or more actions."))
    if len(actions) > MAX_ACTIONS:
        raise InvalidAction(_("At most %(max)d actions.") % {"max": MAX_ACTIONS})
    for index, action in enumerate(actions):
        where = f"actions[{index}]"
        if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
            raise InvalidAction(
                _("%(where)s: type is one of %(types)s.") % {"where": where, "types": ", ".join(ACTION_TYPES)}
            )
        kind = action["type"]
        allowed = {
            "notify": {"type", "owner", "roles", "users", "title", "body"},
            "email": {"type", "owner", "roles", "users", "title", "body"},
            "sms": {"type", "owner", "roles", "users", "title", "template"},
            "task": {"type", "assignee", "title", "description", "due_in_days", "then"},
            "assign_owner": {"type", "user"},
            "add_tag": {"type", "tag"},
        }[kind]
        unknown = set(action) - allowed
        if unknown:
            raise InvalidAction(
                _("%(where)s: unknown keys %(keys)s.") % {"where": where, "keys": ", ".join(sorted(map(str, unknown)))}
            )
        if kind in ("notify", "email", "sms"):
            _check_recipients(action, where)
            _check_text(action, "title", where)
            _check_text(action, "body", where)
            if kind == "sms":
                _check_sms_template(action, where, sms_templates)
            unknown_users = set(action.get("users", [])) - member_ids
            if unknown_users:
                raise InvalidAction(
                    _("%(where)s: users %(ids)s are not members of this store.")
                    % {"where": where, "ids": sorted(unknown_users)}
                )
        elif kind == "task":
            assignee = action.get("assignee", "owner")
            if assignee != "owner" and (not isinstance(assignee, int) or assignee not in member_ids):
                raise InvalidAction(_('%(where)s: assignee is "owner" or a member\'s user id.') % {"where": where})
            _check_text(action, "title", where, required=True)
            _check_text(action, "description", where)
            _check_days(action.get("due_in_days"), where)
            then = action.get("then", [])
            if not isinstance(then, list) or len(then) > MAX_CHAIN:
                raise InvalidAction(
                    _("%(where)s: then is a list of at most %(max)d tasks.") % {"where": where, "max": MAX_CHAIN}
                )
            for step_index, step in enumerate(then):
                step_where = f"{where}.then[{step_index}]"
                if not isinstance(step, dict) or set(step) - {"title", "description", "due_in_days"}:
                    raise InvalidAction(
                        _("%(where)s: a task of title, description and due_in_days.") % {"where": step_where}
                    )
                _check_text(step, "title", step_where, required=True)
                _check_text(step, "description", step_where)
                _check_days(step.get("due_in_days"), step_where)
        elif kind == "assign_owner":
            if action.get("user") not in member_ids:
                raise InvalidAction(_("%(where)s: user is a member's user id.") % {"where": where})
        elif kind == "add_tag":
            tag = action.get("tag")
            if not isinstance(tag, str) or not tag.strip() or len(tag) > 30:
                raise InvalidAction(_("%(where)s: tag is a name of 1 to 30 characters.") % {"where": where})
    return actions


class _Fields(dict):
    """Format fields from a record, dotted names included; an unknown name stays as written."""

    def __init__(self, record: dict) -> None:
        super().__init__()
        self.record = record

    def __missing__(self, key: str) -> str:
        value: Any = self.record
        for part in key.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return "{" + key + "}"
        return "" if value is None else str(value)


def render(text: str, record: dict) -> str:
    try:
        return text.format_map(_Fields(record))[:TEXT_MAX]
    except (ValueError, IndexError, AttributeError):
        return text[:TEXT_MAX]


def _recipients(action: dict, occurrence) -> list[int]:
    ids: list[int] = []
    if action.get("owner") and occurrence.owner_id:
        ids.append(occurrence.owner_id)
    roles = action.get("roles") or []
    if roles:
        ids += list(
            member_list(store=current_store()).filter(is_active=True, role__in=roles).values_list("user_id", flat=True)
        )
    ids += list(action.get("users") or [])
    return list(dict.fromkeys(ids))


def _customer_id(occurrence) -> int | None:
    record = occurrence.record
    if occurrence.record_type == "customer":
        return int(record["id"])
    customer = record.get("customer")
    if isinstance(customer, dict) and customer.get("id"):
        return int(customer["id"])
    return None


def execute(*, rule, occurrence, run, access: StoreAccess | None) -> list[dict]:
    """Run every action of ``rule`` for ``occurrence``; returns what was done (for the run log).

    Runs in the caller's transaction: an action that raises undoes the others.
    """
    done: list[dict] = []
    for action in rule.actions:
        kind = action["type"]
        title = render(action["title"], occurrence.record) if action.get("title") else occurrence.title
        body = render(action["body"], occurrence.record) if action.get("body") else ""
        if kind in ("notify", "email"):
            recipients = _recipients(action, occurrence)
            made = notification_services.notify(
                recipients=recipients,
                kind="automation.alert",
                title=title,
                body=body or rule.name,
                url=occurrence.url,
                data={
                    "rule": rule.pk,
                    "run": run.pk,
                    "record_type": occurrence.record_type,
                    "record": occurrence.record_id,
                },
            )
            if kind == "email":
                _email_after_commit(recipients=[n.recipient_id for n in made], subject=title, body=body or rule.name)
            done.append({"type": kind, "recipients": sorted({n.recipient_id for n in made})})
        elif kind == "sms":
            template = action.get("template") or DEFAULT_SMS_TEMPLATE
            codes = sms_template_codes()
            if template not in codes:
                # Deleted or switched off since the rule was written, or an HQ default naming a
                # template this store does not have: the run fails with this message.
                raise RuntimeError(
                    _("The SMS template %(code)s is not in this store or is switched off; choose from: %(codes)s.")
                    % {"code": template, "codes": ", ".join(codes)}
                )
            sent = notification_services.sms_send(
                recipients=_recipients(action, occurrence),
                template=template,
                params={"title": title, "rule": rule.name},
            )
            done.append({"type": kind, "messages": [m.pk for m in sent]})
        elif kind == "task":
            if access is None:
                raise RuntimeError(_("No store admin can act for the rule."))
            assignee = occurrence.owner_id if action.get("assignee", "owner") == "owner" else action["assignee"]
            if assignee is None:
                raise RuntimeError(_("The record has no owner to give the task to."))
            task = _create_task(access=access, step=action, assignee_id=assignee, record=occurrence.record)
            if action.get("then"):
                from tenant_apps.automation.models import ChainStep

                ChainStep.objects.create(run=run, task_id=task.pk, remaining=action["then"], assignee_id=assignee)
            done.append({"type": kind, "task": task.pk})
        elif kind == "assign_owner":
            customer_id = _customer_id(occurrence)
            if customer_id is None:
                raise RuntimeError(_("The record has no customer to assign."))
            changed = customer_services.customers_give_to(
                customer_ids=[customer_id], owner_id=action["user"], at=run.at
            )
            done.append({"type": kind, "customer": customer_id, "changed": bool(changed)})
        elif kind == "add_tag":
            customer_id = _customer_id(occurrence)
            if customer_id is None or access is None:
                raise RuntimeError(_("The record has no customer to tag."))
            customer = customer_selectors.customers_by_ids(ids=[customer_id]).first()
            if customer is None:
                raise RuntimeError(_("The customer no longer exists."))
            name = action["tag"].strip()
            names = [tag.name for tag in customer.tags.all()]
            if name not in names:
                if not customer_selectors.tag_list().filter(name=name).exists():
                    customer_services.tag_create(name=name, access=access)
                customer_services.tags_set(customer=customer, names=[*names, name], access=access)
            done.append({"type": kind, "customer": customer_id, "tag": name})
    return done


def _create_task(*, access: StoreAccess, step: dict, assignee_id: int, record: dict):
    due = step.get("due_in_days")
    return teamwork_services.task_create(
        access=access,
        title=render(step["title"], record),
        description=render(step.get("description") or "", record),
        assignee_id=assignee_id,
        due_date=local_today() + timedelta(days=due) if due is not None else None,
    )


def advance_chain(*, task_id: int, access: StoreAccess | None) -> int | None:
    """When a chained task is done, create the next one of its chain. Returns the new task's id."""
    from tenant_apps.automation.models import ChainStep

    step = ChainStep.objects.select_for_update().filter(task_id=task_id, advanced_at__isnull=True).first()
    if step is None or not step.remaining or access is None:
        return None
    from django.utils import timezone

    following, *rest = step.remaining
    task = _create_task(access=access, step=following, assignee_id=step.assignee_id, record={})
    step.advanced_at = timezone.now()
    step.save(update_fields=["advanced_at"])
    if rest:
        ChainStep.objects.create(run_id=step.run_id, task_id=task.pk, remaining=rest, assignee_id=step.assignee_id)
    return task.pk


def _email_after_commit(*, recipients: list[int], subject: str, body: str) -> None:
    from shared_apps.accounts.selectors import member_list as members

    emails = list(
        members(store=current_store())
        .filter(is_active=True, user_id__in=recipients, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return

    def send() -> None:
        for address in emails:
            EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]).send()

    transaction.on_commit(send)
