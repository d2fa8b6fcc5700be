"""Fixtures of the sales tests: a catalogue and a customer of a_sales in store A."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories.sales import make_category, make_customer, make_product


@pytest.fixture
def catalogue(store_a, in_store):
    with in_store(store_a):
        category = make_category("托盘")
        p1 = make_product(sku="TP-1210", name="九脚塑料托盘 1200×1000", list_price="100.00", category=category)
        p2 = make_product(sku="TP-1111", name="川字塑料托盘 1100×1100", list_price="200.00", category=category)
        off = make_product(sku="TP-OLD", name="Old pallet", list_price="50.00", active=False)
    return {"category": category, "p1": p1, "p2": p2, "inactive": off}


@pytest.fixture
def customer(store_a, in_store, users):
    with in_store(store_a):
        return make_customer(name="张三贸易", owner=users.a_sales)


def lines(*items) -> list[dict]:
    return [{"product": p.pk, "quantity": q, "unit_price": str(Decimal(price))} for p, q, price in items]
