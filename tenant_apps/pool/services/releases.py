"""A customer released to the pool by hand."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import InvalidTransition, PermissionDenied
from tenant_apps.pool.models import Release
from tenant_apps.pool.services.common import (
    RELEASE_REASON_MAX,
    _clean_reason,
    _do_release,
    _lock_customer,
    _notify_released,
)

# --- manual release -------------------------------------------------------------------------------


def _may_release(*, access: StoreAccess, owner_id: int) -> bool:
    if access.user.pk == owner_id:
        return True
    if access.via_hq or not access.can("pool.release"):
        return False
    return access.role in (StoreRole.SUPERVISOR, StoreRole.ADMIN) and can_see_owner(access, owner_id)


def release_customer(*, customer_id, access: StoreAccess, reason, at: datetime | None = None) -> Release:
    """The owner (or their supervisor, or an admin) puts a customer back into the pool."""
    at = at or timezone.now()
    reason = _clean_reason(reason, field="reason", max_length=RELEASE_REASON_MAX)
    with transaction.atomic():
        customer = _lock_customer(customer_id)
        if customer.owner_id is None:
            raise InvalidTransition(_("This customer is already in the shared pool."))
        if not _may_release(access=access, owner_id=customer.owner_id):
            raise PermissionDenied(_("Only the owner, their supervisor or a store admin can release this customer."))
        release = _do_release(customer=customer, cause=Release.Cause.MANUAL, reason=reason, by=access.user, at=at)
        if release.former_owner_id != access.user.pk:
            _notify_released(release, customer)
    return release
