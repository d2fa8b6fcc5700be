"""The store's SMS signature and templates (kept by a store admin, or written by seeding)."""

from __future__ import annotations

import re
import string
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from tenant_apps.notifications import selectors
from tenant_apps.notifications.models import SmsSettings, SmsTemplate

# The built-in text of the kinds of SMS the product sends, used when the store has no enabled
# template of that kind (the message then has no provider template code).
DEFAULT_SMS_TEMPLATES = {
    "automation.alert": "{title}",
    "notification": "{title}",
}


def sms_settings_get() -> SmsSettings:
    return SmsSettings.objects.get_or_create(pk=1)[0]


def sms_settings_update(*, signature: Any) -> SmsSettings:
    signature = str(signature or "").strip()
    if len(signature) > 40:
        raise ValidationFailed(_("Invalid SMS settings."), errors={"signature": [_("At most 40 characters.")]})
    with transaction.atomic():
        row = SmsSettings.objects.select_for_update().get_or_create(pk=1)[0]
        row.signature = signature
        row.save()
    return row


# The parameters the SMS send path gives a template (``sms_send``'s callers: the automation
# ``sms`` action sends ``title``, the alert's title, and ``rule``, the rule's name). A template's
# text may use only these; ``{{`` and ``}}`` stand for a literal brace.
SMS_PLACEHOLDERS = ("title", "rule")
SMS_TEMPLATE_FIELDS = ("code", "name", "provider_template_code", "body", "enabled")
SMS_CODE_MAX_LENGTH = 64
SMS_NAME_MAX_LENGTH = 120
SMS_BODY_MAX_LENGTH = 500
# The kind of message a template serves, as the send path names it: ``automation.alert``.
_SMS_CODE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_PROVIDER_CODE = re.compile(r"^[A-Za-z0-9_-]+$")


class _UnbalancedBraces(ValueError):
    pass


def sms_placeholders(body: str) -> list[str]:
    """The placeholders ``body`` uses, in order of first use. Raises ``_UnbalancedBraces`` for a
    lone ``{`` or ``}``; a placeholder with a format (``{title:>5}``, ``{title!r}``) is answered
    whole, so that it counts as unknown."""
    found: list[str] = []
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise _UnbalancedBraces(str(exc)) from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        name = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if name not in found:
            found.append(name)
    return found


def _require_sms_admin(access: StoreAccess) -> None:
    if access is None or not access.can("settings.manage") or access.via_hq:
        raise PermissionDenied(_("Only a store admin can manage SMS templates."))


def _clean_sms_template(data: dict[str, Any], *, current: SmsTemplate | None) -> dict[str, Any]:
    """The template's values after ``data``, every rule checked; ``ValidationFailed`` names each field."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(key) for key in data if key not in SMS_TEMPLATE_FIELDS)
    for key in unknown:
        errors[key] = [_("Unknown field.")]
    values: dict[str, Any] = {
        key: getattr(current, key) if current is not None else None for key in SMS_TEMPLATE_FIELDS
    }
    values.update({key: value for key, value in data.items() if key in SMS_TEMPLATE_FIELDS})
    texts: dict[str, str] = {}
    for key in ("code", "name", "provider_template_code", "body"):
        value = values[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = [_("Give a text.")]
            value = ""
        texts[key] = value.strip() if key != "body" else value
    code, name, provider, body = texts["code"], texts["name"], texts["provider_template_code"], texts["body"]
    if "code" not in errors:
        if not code or len(code) > SMS_CODE_MAX_LENGTH:
            errors["code"] = [_("A code of 1 to %(max)d characters is required.") % {"max": SMS_CODE_MAX_LENGTH}]
        elif not _SMS_CODE.match(code):
            errors["code"] = [
                _(
                    "Use lowercase letters and digits, joined by single dots, hyphens or underscores, "
                    "such as automation.alert."
                )
            ]
        elif SmsTemplate.objects.filter(code=code).exclude(pk=current.pk if current else None).exists():
            errors["code"] = [_("This store already has an SMS template with this code.")]
    if "name" not in errors and (not name or len(name) > SMS_NAME_MAX_LENGTH):
        errors["name"] = [_("A name of 1 to %(max)d characters is required.") % {"max": SMS_NAME_MAX_LENGTH}]
    bad_provider = len(provider) > SMS_CODE_MAX_LENGTH or not _PROVIDER_CODE.match(provider)
    if "provider_template_code" not in errors and provider and bad_provider:
        errors["provider_template_code"] = [
            _(
                "The provider's template code is up to %(max)d letters, digits, hyphens or underscores, "
                "such as SMS_154950909."
            )
            % {"max": SMS_CODE_MAX_LENGTH}
        ]
    if "body" not in errors:
        if not body.strip() or len(body) > SMS_BODY_MAX_LENGTH:
            errors["body"] = [_("A text of 1 to %(max)d characters is required.") % {"max": SMS_BODY_MAX_LENGTH}]
        else:
            try:
                unknown_placeholders = [p for p in sms_placeholders(body) if p not in SMS_PLACEHOLDERS]
            except _UnbalancedBraces:
                errors["body"] = [_("Unbalanced braces: write a placeholder as {title}, a literal brace as {{ or }}.")]
            else:
                if unknown_placeholders:
                    errors["body"] = [
                        _("Unknown placeholders: %(unknown)s. Use only %(allowed)s.")
                        % {
                            "unknown": ", ".join("{" + p + "}" for p in unknown_placeholders),
                            "allowed": ", ".join("{" + p + "}" for p in SMS_PLACEHOLDERS),
                        }
                    ]
    enabled = values["enabled"]
    if enabled is None:
        enabled = True
    if not isinstance(enabled, bool):
        errors["enabled"] = [_("Give true or false.")]
    if errors:
        raise ValidationFailed(_("Invalid SMS template."), errors=errors)
    return {"code": code, "name": name, "provider_template_code": provider, "body": body, "enabled": enabled}


def _duplicate_code() -> ValidationFailed:
    return ValidationFailed(
        _("Invalid SMS template."), errors={"code": [_("This store already has an SMS template with this code.")]}
    )


def _save_sms_template(row: SmsTemplate, values: dict[str, Any]) -> SmsTemplate:
    for key, value in values.items():
        setattr(row, key, value)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same code written at the same moment by someone else
        raise _duplicate_code() from None
    return row


def sms_template_create(*, access: StoreAccess, data: dict[str, Any]) -> SmsTemplate:
    """A store admin adds an SMS template (``code``, ``name``, ``provider_template_code``, ``body``,
    ``enabled``); everything is checked before anything is stored."""
    _require_sms_admin(access)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid SMS template."))
    values = _clean_sms_template(data, current=None)
    return _save_sms_template(SmsTemplate(), values)


def sms_template_update(*, access: StoreAccess, template_id: Any, data: dict[str, Any]) -> SmsTemplate:
    """A store admin changes some fields of a template (the others keep their values)."""
    _require_sms_admin(access)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid SMS template."))
    with transaction.atomic():
        row = selectors.sms_template_get(template_id=template_id, for_update=True)
        values = _clean_sms_template(data, current=row)
        return _save_sms_template(row, values)


def sms_template_delete(*, access: StoreAccess, template_id: Any) -> None:
    _require_sms_admin(access)
    selectors.sms_template_get(template_id=template_id).delete()


def sms_template_set(
    *, code: str, body: str, provider_template_code: str = "", name: str = "", enabled: bool = True
) -> SmsTemplate:
    """Write the template of ``code`` (create or replace) without a person acting, as seeding does;
    the same checks as ``sms_template_create``."""
    with transaction.atomic():
        row = SmsTemplate.objects.select_for_update().filter(code=str(code or "").strip()).first()
        values = _clean_sms_template(
            {
                "code": code,
                "name": name or code,
                "provider_template_code": provider_template_code,
                "body": body,
                "enabled": enabled,
            },
            current=row,
        )
        return _save_sms_template(row or SmsTemplate(), values)


def sms_template_for(code: str) -> SmsTemplate | None:
    """The store's enabled template for messages of ``code``, if any."""
    return SmsTemplate.objects.filter(code=code, enabled=True).first()
