"""HQ reads (public schema only): a store's domains and memberships, the company-wide default
policies and HQ announcements (stores read theirs through ``hq_announcements_for_store``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from hq_console.models import (
    CompanyPolicy,
    HqAnnouncement,
    HqDefaultRule,
    HqSignIn,
    StoreBackup,
    StoreClosure,
    StoreRestore,
)
from shared_apps.accounts.models import Membership
from shared_apps.accounts.selectors import member_get, member_list
from shared_apps.platform.errors import NotFound
from tenant_apps.audit.selectors import filter_sign_ins
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


def company_policy_get() -> CompanyPolicy:
    """The company-wide default policies; the built-in defaults (unsaved) when HQ never set them."""
    return CompanyPolicy.objects.filter(singleton=True).first() or CompanyPolicy()


def hq_announcement_list() -> QuerySet[HqAnnouncement]:
    return HqAnnouncement.objects.select_related("created_by").prefetch_related("stores").order_by("-created_at", "-pk")


def hq_announcement_get(*, announcement_id) -> HqAnnouncement:
    try:
        announcement_id = int(announcement_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such announcement.")) from None
    announcement = hq_announcement_list().filter(pk=announcement_id).first()
    if announcement is None:
        raise NotFound(_("No such announcement."))
    return announcement


def hq_announcements_for_store(*, store_id: int) -> QuerySet[HqAnnouncement]:
    """HQ announcements addressed to the store ``store_id`` (to all stores, or to it by name)."""
    addressed = HqAnnouncement.objects.filter(stores__id=store_id).values("pk")
    return (
        HqAnnouncement.objects.filter(Q(all_stores=True) | Q(pk__in=addressed))
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def backup_list(*, store: Store) -> QuerySet[StoreBackup]:
    return StoreBackup.objects.filter(store=store).order_by("-taken_at")


def restore_list(*, store: Store) -> QuerySet[StoreRestore]:
    return StoreRestore.objects.filter(Q(store=store) | Q(backup__store=store)).order_by("-started_at")


def restore_get(*, store: Store, restore_id) -> StoreRestore:
    restore = restore_list(store=store).filter(pk=restore_id).first()
    if restore is None:
        raise NotFound(_("No such restore."))
    return restore


def export_get(*, store: Store, export_id) -> StoreBackup:
    export = StoreBackup.objects.filter(store=store, kind=StoreBackup.Kind.EXPORT, pk=export_id).first()
    if export is None:
        raise NotFound(_("No such export."))
    return export


def closure_list(*, store: Store) -> QuerySet[StoreClosure]:
    return StoreClosure.objects.filter(store=store).select_related("final_backup").order_by("-closed_at")


def hq_sign_ins(
    *, email: str = "", succeeded: bool | None = None, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[HqSignIn]:
    """Sign-ins to the HQ host and failures, newest first."""
    return filter_sign_ins(HqSignIn.objects.all(), email=email, succeeded=succeeded, since=since, until=until)


def default_rules() -> QuerySet[HqDefaultRule]:
    """HQ's default automation rules (stores inherit them)."""
    return HqDefaultRule.objects.order_by("pk")


def default_rule_get(*, rule_id) -> HqDefaultRule:
    try:
        return HqDefaultRule.objects.get(pk=int(rule_id))
    except (HqDefaultRule.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such default rule.")) from None
