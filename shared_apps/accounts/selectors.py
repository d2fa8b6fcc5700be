"""Reads with rules on users and memberships.

Memberships live in the public schema; a store's members are always read through ``store``
(the request's tenant), so a membership of another store is "not found", never "not yours".
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shared_apps.accounts.models import Membership, User
from shared_apps.platform.errors import NotFound


def member_list(*, store) -> QuerySet[Membership]:
    """Every membership of ``store`` (active or not), with the user joined in."""
    return Membership.objects.filter(store=store).select_related("user").order_by("user__name", "user__email", "pk")


def member_get(*, store, member_id) -> Membership:
    """One membership of ``store`` by id; a membership of another store is 404 like a missing one."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such member in this store.")) from None
    membership = member_list(store=store).filter(pk=member_id).first()
    if membership is None:
        raise NotFound(_("No such member in this store."))
    return membership


def user_get_by_email(*, email: str) -> User | None:
    email = (email or "").strip()
    if not email:
        return None
    return User.objects.filter(email__iexact=email).first()


def active_admin_count(*, store, exclude_id: int | None = None) -> int:
    qs = Membership.objects.filter(store=store, role="admin", is_active=True)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.count()


def token_list_for(*, user):
    """The user's own API tokens, newest first (live, expired and revoked)."""
    from shared_apps.accounts.models import ApiToken

    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
