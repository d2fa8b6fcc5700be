"""Plan limits: how many seats, customers... a store may have.

Store code asks before it adds something that counts against a limit, inside the transaction that
writes it::

    limits.check(connection.tenant, "customers", adding=1, used=lambda: Customer.objects.live().count())

``used`` counts what the store has now; it is called only when a limit applies. The limit itself
comes from a provider (billing registers one: the store's plan); without a provider nothing is
limited. While a limited check runs, a transaction-scoped advisory lock per store and resource
serialises the writers, so two simultaneous requests cannot both take the last place.

A refused request raises ``PlanLimitReached``: 403 ``plan_limit_reached``, with the limit and the
plan named in the detail and in ``limit`` / ``plan`` / ``max`` / ``used`` of the problem body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.platform.errors import PermissionDenied

PLAN_LIMIT_REACHED = "plan_limit_reached"

SEATS = "seats"
CUSTOMERS = "customers"

RESOURCE_LABELS = {
    SEATS: gettext_lazy("active members"),
    CUSTOMERS: gettext_lazy("customers"),
}


@dataclass(frozen=True)
class Limit:
    """The most ``resource`` a store may have (None: unlimited) under the plan ``plan_code``."""

    maximum: int | None
    plan_code: str
    plan_name: str


Provider = Callable[[object, str], Limit | None]

_provider: Provider | None = None


class PlanLimitReached(PermissionDenied):
    code = PLAN_LIMIT_REACHED
    default_title = gettext_lazy("The plan's limit is reached.")


def register_provider(provider: Provider | None) -> None:
    """Install the function ``(store, resource) -> Limit | None`` (None removes it)."""
    global _provider
    _provider = provider


def limit_for(store, resource: str) -> Limit | None:
    if _provider is None or store is None or getattr(store, "is_public", False):
        return None
    return _provider(store, resource)


def _lock(store, resource: str) -> None:
    if not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"plan-limit:{store.pk}:{resource}"])


def check(store, resource: str, *, adding: int = 1, used: Callable[[], int]) -> None:
    """Raise PlanLimitReached when ``used() + adding`` would exceed the store's limit."""
    if adding <= 0:
        return
    limit = limit_for(store, resource)
    if limit is None or limit.maximum is None:
        return
    _lock(store, resource)
    current = used()
    if current + adding <= limit.maximum:
        return
    label = RESOURCE_LABELS.get(resource, resource)
    raise PlanLimitReached(
        _("The %(plan)s plan allows %(maximum)d %(resource)s; this store has %(used)d. Upgrade the plan to add more.")
        % {"plan": limit.plan_name, "maximum": limit.maximum, "resource": label, "used": current},
        extra={"limit": resource, "plan": limit.plan_code, "max": limit.maximum, "used": current},
    )
