"""Writes with rules on users, memberships and tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import ApiToken, Membership, User
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import ErrorCode, NotFound, ValidationFailed

TOKEN_PREFIX = "crm"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: User, name: str = "", ttl_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain value, shown to the caller once."""
    ttl_days = settings.API_TOKEN_TTL_DAYS if ttl_days is None else ttl_days
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=prefix,
        digest=_digest(secret),
        expires_at=timezone.now() + timedelta(days=ttl_days) if ttl_days else None,
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


class TokenError(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def token_authenticate(raw: str) -> tuple[User, ApiToken]:
    """Resolve a bearer value to its user, or raise TokenError with a stable code."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise TokenError(ErrorCode.TOKEN_INVALID, _("Invalid token."))
    _scheme, prefix, secret = parts
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        raise TokenError(ErrorCode.TOKEN_INVALID, _("Invalid token."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenError(ErrorCode.TOKEN_REVOKED, _("This token has been revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenError(ErrorCode.TOKEN_EXPIRED, _("This token has expired."))
    if not token.user.is_active:
        raise TokenError(ErrorCode.TOKEN_INVALID, _("Invalid token."))
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_create(*, email: str, password: str, name: str = "", **extra) -> User:
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not email or "@" not in email:
        errors["email"] = [_("Enter a valid email address.")]
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("A user with this email already exists.")]
    candidate = User(email=email, name=name)
    try:
        validate_password(password or "", user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    return User.objects.create_user(email=email, password=password, name=name, **extra)


def membership_create(*, user: User, store, role: str, supervisor: User | None = None) -> Membership:
    if role not in StoreRole.values:
        raise ValidationFailed(_("Unknown role."), errors={"role": [_("Choose a valid role.")]})
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            user=user, store=store, defaults={"role": role, "supervisor": supervisor, "is_active": True}
        )
    return membership


def membership_update(
    *, membership: Membership, role: str | None = None, is_active: bool | None = None, supervisor=...
) -> Membership:
    fields = []
    if role is not None:
        if role not in StoreRole.values:
            raise ValidationFailed(_("Unknown role."), errors={"role": [_("Choose a valid role.")]})
        membership.role = role
        fields.append("role")
    if is_active is not None:
        membership.is_active = is_active
        fields.append("is_active")
    if supervisor is not ...:
        if (
            supervisor is not None
            and not Membership.objects.filter(
                store_id=membership.store_id, user=supervisor, role=StoreRole.SUPERVISOR, is_active=True
            ).exists()
        ):
            raise NotFound(_("No such supervisor in this store."), errors={"supervisor": [_("Not a supervisor here.")]})
        membership.supervisor = supervisor
        fields.append("supervisor")
    if fields:
        membership.save(update_fields=fields)
    return membership
