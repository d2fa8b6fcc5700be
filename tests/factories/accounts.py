from __future__ import annotations

from functools import cache

import factory
from factory.django import DjangoModelFactory

from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.roles import StoreRole
from tests.conftest import PASSWORD


@cache
def _hashed(raw: str) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(raw)


class UserFactory(DjangoModelFactory):
    """A user whose password is ``PASSWORD`` (or ``password=...``), hashed with the real hasher once."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    hq_role = ""
    is_active = True

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.password = _hashed(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory):
    """``MembershipFactory(store=store_a, role="salesperson")``; the store must be given."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = StoreRole.SALESPERSON
    supervisor = None
    is_active = True


def access_of(user, store=None):
    """The user's ``StoreAccess`` to ``store`` (the active store when not given), as a request
    resolves it: what a test passes as ``access`` to a store service. None for a user with no
    access to the store."""
    from shared_apps.accounts.access import resolve_store_access
    from tenants.storetime import current_store

    store = store or current_store()
    if store is None:
        raise RuntimeError("access_of needs a store: pass one or call it inside the store's schema")
    return resolve_store_access(user=user, store=store)
