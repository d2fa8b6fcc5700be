from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes old connections around each request; the test's transaction must stay
    open (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(store_a, users, in_store):
    """A customer, a product and an order of store A's salesperson: rows for the ids in paths."""
    from tests.api_fuzz.fuzzing import KNOWN_IDS
    from tests.factories.sales import make_customer, make_order, make_product

    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        product = make_product()
        order = make_order(customer=customer, owner=users.a_sales, lines=[(product, 2, "90.00")])
    KNOWN_IDS[:] = sorted({customer.pk, product.pk, order.pk})
    yield
    KNOWN_IDS.clear()
