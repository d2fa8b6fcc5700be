"""Writes with rules on users, memberships and tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.models import ApiToken, Invitation, Membership, User
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform import limits
from shared_apps.platform.errors import Conflict, ErrorCode, NotFound, ValidationFailed

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
    if not token.user.is_active:
        raise TokenError(ErrorCode.TOKEN_INVALID, _("Invalid token."))
    if token.revoked_at is not None:
        raise TokenError(ErrorCode.TOKEN_REVOKED, _("This token has been revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenError(ErrorCode.TOKEN_EXPIRED, _("This token has expired."))
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def tokens_revoke_for(*, user_id: int) -> int:
    """Revoke every live token of a user (a password change, a deactivation, a membership removed)."""
    return ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


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


# Store members (the API of /api/v1/members). Stable error codes of these services:
MEMBER_EXISTS = "duplicate_member"
LAST_ADMIN = "last_admin"


def _supervisor_for(*, store, supervisor_id, member_user_id: int | None = None) -> tuple[User | None, list[str]]:
    """The active supervisor of ``store`` named by ``supervisor_id`` (None clears), or an error list."""
    if supervisor_id is None:
        return None, []
    try:
        supervisor_id = int(supervisor_id)
    except (TypeError, ValueError):
        return None, [_("Choose a supervisor of this store.")]
    if member_user_id is not None and supervisor_id == member_user_id:
        return None, [_("A member cannot be their own supervisor.")]
    membership = (
        Membership.objects.filter(store=store, user_id=supervisor_id, role=StoreRole.SUPERVISOR, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        return None, [_("Choose a supervisor of this store.")]
    return membership.user, []


def member_add(
    *,
    store,
    email: str,
    role: str,
    name: str = "",
    password: str | None = None,
    supervisor_id: int | None = None,
) -> Membership:
    """Add a user to ``store`` with ``role``: an existing user by email (``name`` and ``password``
    are then ignored), or a new one (``password`` required and checked by the password validators).

    Everything is validated before anything is written; a user already in the store is a 409.
    """
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if role not in StoreRole.values:
        errors["role"] = [_("Choose a valid role.")]
    try:
        validate_email(email)
    except DjangoValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    supervisor, supervisor_errors = _supervisor_for(store=store, supervisor_id=supervisor_id)
    if supervisor_errors:
        errors["supervisor"] = supervisor_errors
    existing = User.objects.filter(email__iexact=email).first() if "email" not in errors else None
    if existing is None and "email" not in errors:
        if not password:
            errors["password"] = [_("A password is required for a new user.")]
        else:
            try:
                validate_password(password, user=User(email=email, name=name))
            except DjangoValidationError as exc:
                errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    if existing is not None and Membership.objects.filter(user=existing, store=store).exists():
        raise _member_exists()
    try:
        with transaction.atomic():
            limits.check(store, limits.SEATS, adding=1, used=lambda: _active_seats(store))
            user = existing or user_create(email=email, password=password, name=(name or "").strip())
            return Membership.objects.create(user=user, store=store, role=role, supervisor=supervisor)
    except IntegrityError as exc:  # a concurrent request added the same user first
        raise _member_exists() from exc


INVITATION_DAYS = 14


def member_invite(
    *,
    store,
    email: str,
    role: str,
    name: str = "",
    password: str | None = None,
    supervisor_id: int | None = None,
    invited_by: User | None = None,
    link: bool = False,
) -> Invitation:
    """A store admin invites ``email`` into ``store`` with ``role``: the membership is made only when
    the user accepts (``invitation_accept``). A new address gets its account now, with ``password``;
    an existing account keeps its own password and is never enrolled without consent.

    The answer does not tell whether the address had an account: ``password`` is required and
    checked either way (and ignored for an existing account), and both get an invitation and an email.
    A user already in the store is a 409 (the admin sees the members anyway).

    With ``link`` (the team page) no password is asked: a new address gets an account without a
    usable password, and the email carries a one-time link whose page sets it and accepts; an
    existing account is asked to sign in and accept, as without ``link``.
    """
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if role not in StoreRole.values:
        errors["role"] = [_("Choose a valid role.")]
    try:
        validate_email(email)
    except DjangoValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    supervisor, supervisor_errors = _supervisor_for(store=store, supervisor_id=supervisor_id)
    if supervisor_errors:
        errors["supervisor"] = supervisor_errors
    if not password and not link:
        errors["password"] = [_("A password is required (it is used only if the address has no account yet).")]
    elif password:
        try:
            validate_password(password, user=User(email=email, name=name))
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and Membership.objects.filter(user=existing, store=store).exists():
        raise _member_exists()
    # A store at its plan's seat limit cannot invite (and is checked again on acceptance).
    limits.check(store, limits.SEATS, adding=1, used=lambda: _active_seats(store))
    now = timezone.now()
    with transaction.atomic():
        user = existing or _invited_user(email=email, password=password, name=(name or "").strip())
        invitation, _created = Invitation.objects.update_or_create(
            store=store,
            user=user,
            accepted_at=None,
            defaults={
                "role": role,
                "supervisor": supervisor,
                "invited_by": invited_by,
                "expires_at": now + timedelta(days=INVITATION_DAYS),
            },
        )
    _send_invitation(invitation)
    return invitation


def _invited_user(*, email: str, password: str | None, name: str) -> User:
    if password:
        return user_create(email=email, password=password, name=name)
    user = User(email=email, name=name)
    user.set_unusable_password()
    user.save()
    return user


def one_time_link(*, user: User, store) -> str:
    """A link on ``store``'s host to the page that sets ``user``'s password (Django's password-reset
    token: it dies once the password is set or the user signs in, and after
    ``PASSWORD_RESET_TIMEOUT``)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from tenants.routing import store_url

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{store_url(store.subdomain)}password/set/{uid}/{default_token_generator.make_token(user)}/"


def one_time_link_user(*, uidb64: str, token: str) -> User | None:
    """The active user a one-time link was made for, or None when the link is wrong or used up."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_decode

    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def _send_invitation(invitation: Invitation) -> None:
    from django.core.mail import send_mail

    from tenants.routing import store_url

    store = invitation.store
    subject = _("You are invited to the store %(store)s") % {"store": store.name}
    values = {
        "store": store.name,
        "role": StoreRole(invitation.role).label,
        "url": store_url(store.subdomain),
        "until": invitation.expires_at.date().isoformat(),
    }
    if invitation.user.has_usable_password():
        body = (
            _(
                "You are invited to work in the store “%(store)s” as %(role)s. Sign in at %(url)s and accept "
                "the invitation at %(url)sinvitations/ before %(until)s. If you did not expect it, ignore this message."
            )
            % values
        )
    else:
        body = _(
            "You are invited to work in the store “%(store)s” as %(role)s. Choose your password and join "
            "at %(link)s (the link works once). If you did not expect it, ignore this message."
        ) % {**values, "link": one_time_link(user=invitation.user, store=store)}
    send_mail(subject, body, None, [invitation.user.email], fail_silently=True)


def password_reset_send(*, membership: Membership) -> None:
    """A store admin resets a member's password: the member is emailed a one-time link to choose a
    new one (their present password keeps working until then)."""
    from django.core.mail import send_mail

    user = membership.user
    if not user.is_active or not membership.is_active:
        raise Conflict(_("This member is inactive."), code="member_inactive")
    store = membership.store
    subject = _("Choose a new password for %(store)s") % {"store": store.name}
    body = _(
        "A store admin of “%(store)s” asked for a new password for you. Choose it at %(link)s (the link "
        "works once). If you did not expect it, ignore this message: your password stays as it is."
    ) % {"store": store.name, "link": one_time_link(user=user, store=store)}
    send_mail(subject, body, None, [user.email], fail_silently=True)


def invitations_open_for(*, user: User, store):
    """The user's invitations into ``store`` that may still be accepted."""
    return Invitation.objects.filter(user=user, store=store, accepted_at__isnull=True, expires_at__gt=timezone.now())


def invitation_accept(*, invitation_id, user: User, store) -> Membership:
    """The invited user accepts, on the store's host: the membership is made (404 for anyone else,
    another store, an expired or an accepted invitation; the plan's seat limit applies)."""
    try:
        pk = int(invitation_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such invitation.")) from None
    with transaction.atomic():
        invitation = invitations_open_for(user=user, store=store).select_for_update().filter(pk=pk).first()
        if invitation is None:
            raise NotFound(_("No such invitation."))
        if Membership.objects.filter(user=user, store=store).exists():
            raise _member_exists()
        limits.check(store, limits.SEATS, adding=1, used=lambda: _active_seats(store))
        membership = Membership.objects.create(
            user=user, store=store, role=invitation.role, supervisor=invitation.supervisor
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership


def _active_seats(store) -> int:
    """What counts against the plan's seat limit: the store's active memberships."""
    return Membership.objects.filter(store=store, is_active=True).count()


def _member_exists() -> Conflict:
    return Conflict(
        _("This user is already a member of this store."),
        code=MEMBER_EXISTS,
        errors={"email": [_("Already a member of this store; change their membership instead.")]},
    )


def member_change(
    *, membership: Membership, role: str | None = None, is_active: bool | None = None, supervisor_id=...
) -> Membership:
    """Change a member's role, activity or supervisor (``supervisor_id`` None removes it).

    The store keeps at least one active admin: demoting or deactivating the last one is a 409.
    Demoting a supervisor takes their team off them (their salespeople have no supervisor then).
    """
    errors: dict[str, list[str]] = {}
    if role is not None and role not in StoreRole.values:
        errors["role"] = [_("Choose a valid role.")]
    supervisor: User | object | None = ...
    if supervisor_id is not ...:
        supervisor, supervisor_errors = _supervisor_for(
            store=membership.store_id, supervisor_id=supervisor_id, member_user_id=membership.user_id
        )
        if supervisor_errors:
            errors["supervisor"] = supervisor_errors
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        # Lock the store's admins so that two admins demoting each other cannot both succeed.
        admins = list(
            Membership.objects.select_for_update()
            .filter(store_id=membership.store_id, role=StoreRole.ADMIN, is_active=True)
            .values_list("pk", flat=True)
        )
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        new_role = role if role is not None else membership.role
        new_active = is_active if is_active is not None else membership.is_active
        if new_active and not membership.is_active:
            limits.check(membership.store, limits.SEATS, adding=1, used=lambda: _active_seats(membership.store))
        if membership.pk in admins and not (new_role == StoreRole.ADMIN and new_active) and len(admins) == 1:
            raise Conflict(
                _("A store needs at least one active admin."),
                code=LAST_ADMIN,
                errors={"role" if role is not None else "is_active": [_("This is the store's last active admin.")]},
            )
        was_supervisor = membership.role == StoreRole.SUPERVISOR
        membership = membership_update(membership=membership, role=role, is_active=is_active, supervisor=supervisor)
        if was_supervisor and membership.role != StoreRole.SUPERVISOR:
            Membership.objects.filter(store_id=membership.store_id, supervisor_id=membership.user_id).update(
                supervisor=None
            )
    return membership
