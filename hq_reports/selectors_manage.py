"""HQ reads of store management (public schema only): domains and memberships of a store."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shared_apps.accounts.models import Membership
from shared_apps.accounts.selectors import member_get, member_list
from shared_apps.platform.errors import NotFound
from tenants.models import Domain, Store


def domain_list(*, store: Store) -> QuerySet[Domain]:
    """The store's domains, the primary one first."""
    return Domain.objects.filter(tenant=store).order_by("-is_primary", "domain", "pk")


def domain_get(*, store: Store, domain_id) -> Domain:
    """One domain of ``store``; a domain of another store is 404 like a missing one."""
    try:
        domain_id = int(domain_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such domain.")) from None
    domain = domain_list(store=store).filter(pk=domain_id).first()
    if domain is None:
        raise NotFound(_("No such domain."))
    return domain


def store_members(*, store: Store) -> QuerySet[Membership]:
    return member_list(store=store).select_related("supervisor")


def store_member_get(*, store: Store, member_id) -> Membership:
    return member_get(store=store, member_id=member_id)
