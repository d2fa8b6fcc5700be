"""The money parser as finance words it (payment and invoice amounts, finance's edge), and the word
an answer gives to a value that is not text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from shared_apps.platform import fields


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def parsed(parser, value, **options):
    errors: dict[str, list[str]] = {}
    return parser(value, field="f", errors=errors, **options), errors


# --- parse_money with PAYMENT_AMOUNT --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "amount"),
    [("1280.00", "1280.00"), (" 10.5 ", "10.50"), (100, "100.00"), (1.5, "1.50"), ("1e2", "100.00"), ("0.01", "0.01")],
)
def test_parse_amount_takes_positive_amounts_with_two_places(value, amount):
    assert parsed(fields.parse_money, value, words=fields.PAYMENT_AMOUNT) == (Decimal(amount), {})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "An amount is required."),
        ("", "An amount is required."),
        (True, "An amount is required."),
        ("abc", "Enter an amount such as 1280.00."),
        ("NaN", "Enter an amount such as 1280.00."),
        ("Infinity", "Enter an amount such as 1280.00."),
        ([], "Enter an amount such as 1280.00."),
        ("10.001", "An amount has at most 2 decimals."),
        ("1.000", "An amount has at most 2 decimals."),
        ("0", "The amount must be greater than 0."),
        ("-5.00", "The amount must be greater than 0."),
        ("1000000000000", "The amount is too large."),
    ],
)
def test_parse_amount_refuses_with_one_message(value, message):
    assert parsed(fields.parse_money, value, words=fields.PAYMENT_AMOUNT) == (None, {"f": [message]})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1000000000000.001", "An amount has at most 2 decimals."),
        ("-10000000000000", "The amount must be greater than 0."),
        ("-0.001", "An amount has at most 2 decimals."),
    ],
)
def test_parse_amount_checks_the_decimals_then_the_sign_then_the_size(value, message):
    assert parsed(fields.parse_money, value, words=fields.PAYMENT_AMOUNT) == (None, {"f": [message]})


# --- parse_text's word for a value that is not text ------------------------------------------


def test_parse_text_words_a_value_that_is_not_text_as_asked():
    assert parsed(fields.parse_text, 5, max_length=3) == ("", {"f": ["Text is expected."]})
    assert parsed(fields.parse_text, 5, max_length=3, not_text="Enter text.") == ("", {"f": ["Enter text."]})
    assert parsed(fields.parse_text, " ab ", max_length=3, not_text="Enter text.") == ("ab", {})
