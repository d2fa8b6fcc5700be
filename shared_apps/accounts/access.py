"""Who may do what on the current host: the one place that answers it for pages and the API.

``StoreAccess`` is attached to every request on a store host by ``StoreAccessMiddleware``.
Later modules use ``access.can("claims.approve")`` for roles and ``visible_owner_ids(access)``
for record scoping (own / team / store-wide).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.roles import HQ_READ_PERMISSIONS, ROLE_PERMISSIONS, ROLE_SCOPE, Scope, StoreRole


@dataclass(frozen=True)
class StoreAccess:
    user: User
    store_id: int
    role: str | None  # a StoreRole, or None for HQ read-only access
    membership_id: int | None = None
    via_hq: bool = False
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def read_only(self) -> bool:
        return self.via_hq

    @property
    def scope(self) -> Scope:
        if self.via_hq or self.role is None:
            return Scope.STORE
        return ROLE_SCOPE[self.role]

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


def resolve_store_access(*, user, store) -> StoreAccess | None:
    """The user's access to ``store``: their membership, else HQ read-only, else None (→ 404)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    membership = Membership.objects.filter(user=user, store=store, is_active=True).only("id", "role").first()
    if membership is not None:
        return StoreAccess(
            user=user,
            store_id=store.pk,
            role=membership.role,
            membership_id=membership.pk,
            permissions=ROLE_PERMISSIONS.get(membership.role, frozenset()),
        )
    if user.is_hq:
        return StoreAccess(user=user, store_id=store.pk, role=None, via_hq=True, permissions=HQ_READ_PERMISSIONS)
    return None


def api_key_store_access(key, store) -> StoreAccess | None:
    """An API key's access: its role in its own store; on any other store, none (→ 404)."""
    if key.store_id != store.pk:
        return None
    return StoreAccess(
        user=key.user, store_id=store.pk, role=key.role, permissions=ROLE_PERMISSIONS.get(key.role, frozenset())
    )


def team_member_ids(*, store_id: int, supervisor_id: int) -> set[int]:
    return set(
        Membership.objects.filter(store_id=store_id, supervisor_id=supervisor_id, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def store_has_teams(*, store_id: int) -> bool:
    return Membership.objects.filter(store_id=store_id, supervisor__isnull=False, is_active=True).exists()


def visible_owner_ids(access: StoreAccess) -> set[int] | None:
    """Owner ids whose records ``access`` may see; None means the whole store.

    A salesperson sees their own; a supervisor their team and themselves (the whole store when
    the store has no teams); finance, warehouse, admin and HQ the whole store. Pool records
    (no owner) are added by each module's selector where the pool is visible.
    """
    scope = access.scope
    if scope == Scope.STORE:
        return None
    if scope == Scope.TEAM:
        if not store_has_teams(store_id=access.store_id):
            return None
        return team_member_ids(store_id=access.store_id, supervisor_id=access.user.pk) | {access.user.pk}
    return {access.user.pk}


def can_see_owner(access: StoreAccess, owner_id: int | None) -> bool:
    owners = visible_owner_ids(access)
    return owners is None or owner_id in owners


__all__ = [
    "StoreAccess",
    "StoreRole",
    "can_see_owner",
    "resolve_store_access",
    "visible_owner_ids",
]
