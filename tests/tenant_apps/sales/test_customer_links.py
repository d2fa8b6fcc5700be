"""Sales in the customer 360: the summary, and a merge moving quotations and orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenant_apps.customers.services import customer_merge
from tenant_apps.sales.models import Order, Quotation
from tenant_apps.sales.selectors import customer_sales_summary
from tests.factories import access_of
from tests.factories.sales import make_customer, make_order

pytestmark = pytest.mark.django_db


def test_summary_counts_non_cancelled_orders(users, store_a, catalogue, customer, in_store):
    with in_store(store_a):
        make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 2, "100")], collected="50.00")
        last = make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p2"], 1, "180")])
        make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 9, "100")], status="cancelled")
        summary = customer_sales_summary(customer_id=customer.pk)
    assert summary["order_count"] == 2
    assert summary["lifetime_value"] == Decimal("380.00")
    assert summary["outstanding"] == Decimal("330.00")
    assert summary["last_order_at"] == last.signed_at


def test_merge_moves_quotations_and_orders(api, users, store_a, catalogue, customer, in_store):
    other = None
    with in_store(store_a):
        other = make_customer(name="张三贸易(重复)", owner=users.a_sales)
        order = make_order(customer=other, owner=users.a_sales, lines=[(catalogue["p1"], 1, "100")])
    body = {
        "customer": other.pk,
        "valid_until": "2099-01-01",
        "lines": [{"product": catalogue["p1"].pk, "quantity": 1, "unit_price": "100.00"}],
    }
    quotation_id = api(users.a_sales, store_a).post("/api/v1/quotations", body, format="json").json()["id"]
    with in_store(store_a):
        customer_merge(survivor=customer, merged=other, access=access_of(users.a_supervisor))
        assert Order.objects.get(pk=order.pk).customer_id == customer.pk
        assert Quotation.objects.get(pk=quotation_id).customer_id == customer.pk
