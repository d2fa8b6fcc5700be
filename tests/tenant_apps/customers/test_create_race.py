"""Two simultaneous creates of one person on two real connections: exactly one customer."""

from __future__ import annotations

import threading

from django.db import connections
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.customers import services
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import duplicates
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of

MOBILE = "+8613700137000"


def _create_concurrently(store, creators, monkeypatch) -> list[str]:
    """Each creator creates a customer with MOBILE in its own thread; all look up before any inserts."""
    barrier = threading.Barrier(len(creators))
    local = threading.local()
    real_lookup = services.find_duplicate

    def lookup_then_wait(**kwargs):
        found = real_lookup(**kwargs)
        if not getattr(local, "waited", False):  # the pre-check: let every thread pass it first
            local.waited = True
            barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(duplicates, "find_duplicate", lookup_then_wait)
    outcomes: list[str] = []
    lock = threading.Lock()

    def create(user, name):
        try:
            with tenant_context(store):
                try:
                    services.customer_create(data={"name": name, "mobile": "137 0013 7000"}, access=access_of(user))
                    outcome = "created"
                except DuplicateCustomer as exc:
                    outcome = f"{exc.code}:{exc.existing['owner']}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=creator) for creator in creators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


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
