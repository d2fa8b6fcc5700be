"""Global users (one login for every store), store memberships and API tokens (public schema)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shared_apps.accounts.roles import HQRole, StoreRole


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("an email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        """``createsuperuser`` makes an HQ admin (api.md)."""
        extra.update(is_staff=True, is_superuser=True, hq_role=HQRole.ADMIN)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    hq_role = models.CharField(_("HQ role"), max_length=20, choices=HQRole.choices, default=HQRole.NONE, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(_("language"), max_length=10, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def is_hq(self) -> bool:
        return self.hq_role in (HQRole.EXECUTIVE, HQRole.ADMIN)

    @property
    def is_hq_admin(self) -> bool:
        return self.hq_role == HQRole.ADMIN


class Membership(models.Model):
    """A user's role in one store. ``supervisor`` puts a salesperson in a supervisor's team."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=StoreRole.choices)
    supervisor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("supervisor")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="one_membership_per_user_and_store")]
        indexes = [models.Index(fields=["store", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store_id} ({self.role})"


class ApiToken(models.Model):
    """A bearer token. Only a SHA-256 digest of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class Invitation(models.Model):
    """A store admin's invitation of a user (new or existing) into a store: the membership is made
    only when the invited user accepts it, signed in on the store's host."""

    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=20, choices=StoreRole.choices)
    supervisor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "user"], condition=models.Q(accepted_at__isnull=True), name="one_open_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.store_id} ({self.role})"


class ApiKey(models.Model):
    """A store's API key: it acts in one store with one role, as its own service identity.

    ``user`` is that identity (no password, no membership), so records the key creates have an
    author like any other. Only a SHA-256 digest of the secret is stored; the secret is shown once.
    """

    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="api_keys")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="api_key")
    name = models.CharField(_("name"), max_length=80)
    role = models.CharField(_("role"), max_length=20, choices=StoreRole.choices)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.store_id})"


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying ``Idempotency-Key``, per host and caller, kept 24 hours.

    ``response_status`` is null while the first request is still running.
    """

    scope = models.CharField(max_length=63)  # the host's schema: keys of one store never meet another's
    caller = models.CharField(max_length=40)  # "user:<id>" (an API key acts as its own user)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(default=b"")
    response_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "caller", "key"], name="one_idempotency_record")]

    def __str__(self) -> str:
        return f"{self.scope} {self.caller} {self.key}"
