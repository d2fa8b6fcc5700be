"""factory_boy factories. Public-schema models can be built anywhere; store models (``ChannelFactory``)
need a store's schema active (the ``in_store`` fixture). ``access_of(user, store)`` is a user's
``StoreAccess``, the ``access`` every store service takes."""

from tests.factories.accounts import MembershipFactory, UserFactory, access_of
from tests.factories.tenants import SubsidiaryFactory
from tests.factories.workspace import ChannelFactory

__all__ = ["ChannelFactory", "MembershipFactory", "SubsidiaryFactory", "UserFactory", "access_of"]
