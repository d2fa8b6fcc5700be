"""Tokens die with what they stood for: the password they were issued against, an active user and
the user's memberships. (Sessions already end on a password change through Django's session hash,
and an inactive user's session no longer authenticates.)"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal

# Sent when ``POST /api/v1/auth/token`` signs a user in (``request``, ``user``): a sign-in without
# a session, which Django's ``user_logged_in`` does not see.
token_issued = Signal()


def _user_credentials_changed(sender, instance, **kwargs) -> None:
    if instance.pk is None or kwargs.get("raw"):
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        instance._revoke_tokens = True


def _user_saved(sender, instance, **kwargs) -> None:
    if getattr(instance, "_revoke_tokens", False):
        from shared_apps.accounts.services import tokens_revoke_for

        tokens_revoke_for(user_id=instance.pk)
        instance._revoke_tokens = False


def _membership_saved(sender, instance, created, **kwargs) -> None:
    if not created and not instance.is_active and not kwargs.get("raw"):
        from shared_apps.accounts.services import tokens_revoke_for

        tokens_revoke_for(user_id=instance.user_id)


def _membership_deleted(sender, instance, **kwargs) -> None:
    from shared_apps.accounts.services import tokens_revoke_for

    tokens_revoke_for(user_id=instance.user_id)


def _owner_becomes_admin(sender, store, owner=None, **kwargs) -> None:
    """A new store's owner (the signup's or the operator's) is its first admin, in the store's
    provisioning transaction."""
    if owner is not None:
        from shared_apps.accounts.services import membership_create

        membership_create(user=owner, store=store, role="admin")


def connect() -> None:
    from shared_apps.accounts.models import Membership, User
    from tenants.signals import store_provisioned

    pre_save.connect(_user_credentials_changed, sender=User, dispatch_uid="accounts.user_credentials_changed")
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts.user_saved")
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="accounts.membership_saved")
    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="accounts.membership_deleted")
    store_provisioned.connect(_owner_becomes_admin, dispatch_uid="accounts.owner_becomes_admin")
