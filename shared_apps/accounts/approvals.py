"""Four eyes on every approval (quotations, claims, after-sales cases, payments confirmed by the
person who recorded them).

``check_approver`` runs before any state rule:
- a caller who may decide (the permission) and is not an applicant passes;
- otherwise, when no other active member of the store holds the permission (a one-person store,
  or no one else in the role), an active admin of the store decides, and that is recorded
  (``AdminApproval``);
- otherwise 403: ``permission_denied`` without the permission, ``four_eyes_required`` for one's own
  application.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.models import Membership
from shared_apps.accounts.roles import ROLE_PERMISSIONS, StoreRole
from shared_apps.platform.errors import PermissionDenied
from shared_apps.platform.models import AdminApproval

FOUR_EYES_REQUIRED = "four_eyes_required"


class FourEyesRequired(PermissionDenied):
    code = FOUR_EYES_REQUIRED
    default_title = gettext_lazy("Someone other than the applicant must decide this.")


def _others_hold(*, store_id: int, permission: str, exclude: set[int]) -> bool:
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions]
    return (
        Membership.objects.filter(store_id=store_id, is_active=True, role__in=roles, user__is_active=True)
        .exclude(user_id__in=exclude)
        .exists()
    )


def check_approver(
    *, access: StoreAccess, permission: str, applicant_ids: Iterable[int | None], subject: str, object_id: int
) -> None:
    applicants = {pk for pk in applicant_ids if pk}
    user_id = access.user.pk
    own = user_id in applicants
    if access.read_only:
        raise PermissionDenied()
    if access.can(permission) and not own:
        return
    if access.role == StoreRole.ADMIN and not _others_hold(
        store_id=access.store_id, permission=permission, exclude=applicants | {user_id}
    ):
        AdminApproval.objects.create(
            user_id=user_id, store_id=access.store_id, subject=subject, object_id=object_id, own=own
        )
        return
    if not access.can(permission):
        raise PermissionDenied()
    raise FourEyesRequired(_("You cannot decide your own application: someone else must."))
