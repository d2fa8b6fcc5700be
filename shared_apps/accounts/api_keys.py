"""Store API keys: made by a store admin, used as ``Authorization: Bearer crmk_…`` on that store's
host only. A key acts with its role through its own service identity (``ApiKey.user``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import ApiKey, User
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.services import TokenError
from shared_apps.platform.errors import ErrorCode, NotFound, ValidationFailed

KEY_SCHEME = "crmk"
# last_used_at is written at most this often per key (a write per request would be a hot row).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def is_api_key(raw: str) -> bool:
    return raw.startswith(f"{KEY_SCHEME}_")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, store, name: str, role: str, created_by: User | None) -> tuple[ApiKey, str]:
    """Create a key of ``store`` and return it with its plain value, shown to the caller once."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 80:
        errors["name"] = [_("Ensure this field has no more than 80 characters.")]
    if role not in StoreRole.values:
        errors["role"] = [_("Choose a valid role.")]
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        user = User(email=f"api-key-{prefix}@keys.invalid", name=name)
        user.set_unusable_password()
        user.save()
        key = ApiKey.objects.create(
            store=store, user=user, name=name, role=role, prefix=prefix, digest=_digest(secret), created_by=created_by
        )
    return key, f"{KEY_SCHEME}_{prefix}_{secret}"


def api_key_authenticate(raw: str) -> ApiKey:
    """Resolve a bearer value to its key, or raise TokenError with a stable code."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        raise TokenError(ErrorCode.TOKEN_INVALID, _("Invalid token."))
    _scheme, prefix, secret = parts
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.digest, _digest(secret)) or not key.user.is_active:
        raise TokenError(ErrorCode.TOKEN_INVALID, _("Invalid token."))
    if key.revoked_at is not None:
        raise TokenError(ErrorCode.TOKEN_REVOKED, _("This token has been revoked."))
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        # conditional, so concurrent requests write it once
        cutoff = now - LAST_USED_RESOLUTION
        ApiKey.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff), pk=key.pk).update(
            last_used_at=now
        )
        key.last_used_at = now
    return key


def api_key_list(*, store) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(store=store).select_related("created_by")


def api_key_get(*, store, key_id) -> ApiKey:
    try:
        key_id = int(key_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such API key.")) from None
    key = api_key_list(store=store).filter(pk=key_id).first()
    if key is None:
        raise NotFound(_("No such API key."))
    return key


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key
