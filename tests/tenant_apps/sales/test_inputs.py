"""The edge of the sales writes: a body (JSON or a page's form) becomes the typed keyword arguments
of a service once, and a bad one is refused with every field's message before any service runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.sales.inputs import (
    LineInput,
    OrderInputSerializer,
    ProductInputSerializer,
    QuotationInputSerializer,
    TransitionInputSerializer,
)
from tests.dates import days_from_today, iso_day


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_quotation_form_becomes_typed_values():
    values = QuotationInputSerializer.read(
        {
            "customer": "7",
            "channel": " tmall ",
            "valid_until": iso_day(10),
            "notes": " 含税 ",
            "lines": [{"product": "3", "quantity": "2", "unit_price": "85.5"}],
        }
    )

    assert values == {
        "customer_id": 7,
        "channel": "tmall",
        "valid_until": days_from_today(10),
        "notes": "含税",
        "lines": [LineInput(product_id=3, quantity=2, unit_price=Decimal("85.50"))],
    }


def test_a_partial_update_parses_only_the_fields_it_gives():
    assert QuotationInputSerializer.read({"notes": "x", "channel": 4}, partial=True) == {"notes": "x", "channel": 4}


def test_every_bad_field_is_named_at_once_in_the_order_of_the_body():
    body = {"lines": [{"product": "x", "quantity": 0, "unit_price": "1.001"}], "valid_until": "soon"}

    with pytest.raises(ValidationFailed) as refused:
        QuotationInputSerializer.read(body)

    assert refused.value.detail == "Invalid input."
    assert list(refused.value.errors) == [
        "customer",
        "valid_until",
        "lines.0.product",
        "lines.0.quantity",
        "lines.0.unit_price",
    ]


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        OrderInputSerializer.read([{"payment_mode": "prepaid"}])

    assert refused.value.detail == "A JSON object is expected."


def test_an_order_from_a_quotation_ignores_lines_and_customer():
    values = OrderInputSerializer.read({"quotation": 12, "payment_mode": "credit", "due_date": iso_day(30)})

    assert values["quotation_id"] == 12
    assert values["due_date"] == days_from_today(30)
    assert "lines" not in values and "customer_id" not in values


def test_a_transition_reads_only_the_fields_of_its_target():
    assert TransitionInputSerializer.read({"to": "pending_delivery", "reason": 5}) == {"to": "pending_delivery"}
    with pytest.raises(ValidationFailed) as refused:
        TransitionInputSerializer.read({"to": "cancelled", "reason": 5})

    assert refused.value.errors == {"reason": ["Text is expected."]}


def test_a_product_without_a_cost_price_sets_no_cost():
    values = ProductInputSerializer.read({"sku": "A", "name": "B", "list_price": "1", "cost_price": ""})

    assert values == {
        "sku": "A",
        "name": "B",
        "spec": "",
        "unit": "件",
        "list_price": Decimal("1.00"),
        "cost": None,
    }
