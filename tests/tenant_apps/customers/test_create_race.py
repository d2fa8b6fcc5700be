"""Two simultaneous creates of one person on two real connections: exactly one customer."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.customers import services
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import duplicates
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of
from tests.races import at_once, meeting_point

MOBILE = "+8613700137000"


def _create_concurrently(store, creators, monkeypatch) -> list[str]:
    """Each creator creates a customer with MOBILE in its own thread; all look up before any inserts."""
    meet = meeting_point(len(creators))
    real_lookup = services.find_duplicate

    def lookup_then_wait(**kwargs):
        found = real_lookup(**kwargs)
        meet()  # the pre-check: let every thread pass it first
        return found

    monkeypatch.setattr(duplicates, "find_duplicate", lookup_then_wait)

    def create(user, name):
        return lambda: services.customer_create(data={"name": name, "mobile": "137 0013 7000"}, access=access_of(user))

    outcomes = at_once(store, *(create(user, name) for user, name in creators), keep_exceptions=True)
    described = []
    for outcome in outcomes:
        if isinstance(outcome, DuplicateCustomer):
            described.append(f"{outcome.code}:{outcome.existing['owner']}")
        elif isinstance(outcome, Customer):
            described.append("created")
        else:
            raise AssertionError(outcome)
    return described


def test_two_simultaneous_creates_with_one_mobile_make_exactly_one_customer(committed_db, monkeypatch):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    sales = User.objects.get(email=user_email("a_sales"))
    sales2 = User.objects.get(email=user_email("a_sales2"))
    try:
        outcomes = _create_concurrently(store, [(sales, "甲"), (sales2, "乙")], monkeypatch)

        with tenant_context(store):
            customers = list(Customer.objects.filter(mobile_normalized=MOBILE))
        assert len(customers) == 1
        assert sorted(outcomes) == sorted(["created", f"duplicate_customer:{customers[0].owner_id}"])
    finally:
        with tenant_context(store):
            Customer.objects.filter(mobile_normalized=MOBILE).delete()
