"""The shared field parsers: clean values through, every bad value named under its field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shared_apps.platform import fields
from shared_apps.platform.errors import ValidationFailed


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def money(value, **options):
    errors: dict[str, list[str]] = {}
    return fields.parse_money(value, field="amount", errors=errors, **options), errors


# --- raise_errors -----------------------------------------------------------------------------------


def test_raise_errors_does_nothing_without_errors():
    fields.raise_errors({})


def test_raise_errors_gives_the_single_message_of_one_field():
    with pytest.raises(ValidationFailed) as caught:
        fields.raise_errors({"name": ["Text is expected."]})

    assert str(caught.value.detail) == "Text is expected."
    assert caught.value.errors == {"name": ["Text is expected."]}


def test_raise_errors_says_invalid_input_for_several_fields():
    with pytest.raises(ValidationFailed) as caught:
        fields.raise_errors({"name": ["Text is expected."], "amount": ["Not a valid amount."]})

    assert str(caught.value.detail) == "Invalid input."


# --- parse_id ---------------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_parse_id_takes_a_positive_key_as_a_number_or_digits(number):
    assert fields.parse_id(number) == number
    assert fields.parse_id(f" {number} ") == number


@given(st.integers(max_value=0) | st.integers(min_value=2**63))
def test_parse_id_refuses_keys_out_of_range(number):
    assert fields.parse_id(number) is None


@pytest.mark.parametrize("value", [None, True, False, "", "abc", "1.5", [], {}, 2.5])
def test_parse_id_refuses_what_is_not_a_key(value):
    assert fields.parse_id(value) is None
    assert fields.parse_id(value, whole_floats=True) is None


def test_parse_id_takes_a_whole_float_only_when_asked():
    assert fields.parse_id(3.0) is None
    assert fields.parse_id(3.0, whole_floats=True) == 3


# --- parse_text -------------------------------------------------------------------------------------


@given(st.text(max_size=20))
def test_parse_text_strips_and_keeps_short_text(value):
    errors: dict[str, list[str]] = {}

    assert fields.parse_text(value, field="notes", errors=errors, max_length=20) == value.strip()
    assert errors == {}


def test_parse_text_reads_none_as_empty():
    errors: dict[str, list[str]] = {}

    assert fields.parse_text(None, field="notes", errors=errors, max_length=5) == ""
    assert errors == {}


def test_parse_text_refuses_what_is_not_text():
    errors: dict[str, list[str]] = {}

    assert fields.parse_text(12, field="notes", errors=errors, max_length=5) == ""
    assert errors == {"notes": ["Text is expected."]}


def test_parse_text_refuses_long_text_and_names_the_limit():
    errors: dict[str, list[str]] = {}

    fields.parse_text("abcdef", field="notes", errors=errors, max_length=5)

    assert errors == {"notes": ["At most 5 characters."]}


@pytest.mark.parametrize("value", [None, "", "   "])
def test_parse_text_requires_text_when_told(value):
    errors: dict[str, list[str]] = {}

    fields.parse_text(value, field="reason", errors=errors, max_length=5, required=True)

    assert errors == {"reason": ["This field is required."]}


# --- clean_text_fields ----------------------------------------------------------------------------

LIMITS = {"name": 5, "city": 3, "note": 4}


def test_clean_text_fields_keeps_the_good_values_and_names_each_bad_one():
    errors: dict[str, list[str]] = {}

    clean = fields.clean_text_fields({"name": " Ann ", "city": 7, "note": "too long"}, LIMITS, errors=errors)

    assert clean == {"name": "Ann"}
    assert errors == {"city": ["Text is expected."], "note": ["At most 4 characters."]}


def test_clean_text_fields_reads_a_missing_or_null_field_as_empty_text():
    errors: dict[str, list[str]] = {}

    assert fields.clean_text_fields({"city": None}, LIMITS, errors=errors) == {"name": "", "city": "", "note": ""}
    assert errors == {}


def test_clean_text_fields_skips_missing_fields_when_only_the_given_ones_count():
    errors: dict[str, list[str]] = {}

    assert fields.clean_text_fields({"city": " Xi "}, LIMITS, errors=errors, given_only=True) == {"city": "Xi"}
    assert errors == {}


def test_clean_text_fields_leaves_out_a_field_with_an_earlier_error_only_when_it_adds_one():
    errors: dict[str, list[str]] = {"name": ["Unknown field."]}

    clean = fields.clean_text_fields({"name": "Ann", "city": "toolong"}, LIMITS, errors=errors, given_only=True)

    assert clean == {"name": "Ann"}
    assert errors == {"name": ["Unknown field."], "city": ["At most 3 characters."]}


# --- parse_money ------------------------------------------------------------------------------------


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2))
def test_parse_money_takes_amounts_with_two_decimals_as_text_or_number(amount):
    assert money(str(amount)) == (amount, {})
    assert money(float(amount)) == (amount, {})


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999.999"), places=3))
def test_parse_money_never_rounds_a_third_decimal(amount):
    value, errors = money(str(amount))

    if amount == amount.quantize(Decimal("0.01")):
        assert value == amount
    else:
        assert (value, errors) == (None, {"amount": ["At most 2 decimal places."]})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "An amount is required."),
        ("", "An amount is required."),
        (True, "An amount is required."),
        ("abc", "Not a valid amount."),
        ("NaN", "Not a valid amount."),
        (float("inf"), "Not a valid amount."),
        ([], "Not a valid amount."),
        ("1000000000000", "The amount is too large."),
        ("0", "Must be greater than zero."),
        ("-5", "Must be greater than zero."),
    ],
)
def test_parse_money_names_what_is_wrong(value, message):
    assert money(value) == (None, {"amount": [message]})


def test_parse_money_takes_zero_and_negatives_when_not_positive():
    assert money("0", positive=False) == (Decimal("0.00"), {})
    assert money("-5", positive=False) == (Decimal("-5.00"), {})


def test_parse_money_refuses_negatives_first_with_the_given_message():
    value, errors = money("-1.234", positive=False, negative_message="No negatives.")

    assert (value, errors) == (None, {"amount": ["No negatives."]})


def test_parse_money_checks_the_size_before_the_decimals_and_the_sign():
    assert money("-99.999", maximum=Decimal("10")) == (None, {"amount": ["The amount is too large."]})
    assert money("-1.234") == (None, {"amount": ["At most 2 decimal places."]})


# --- parse_quantity ---------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=fields.MAX_QUANTITY))
def test_parse_quantity_takes_whole_numbers_in_range(number):
    errors: dict[str, list[str]] = {}

    assert fields.parse_quantity(number, field="q", errors=errors) == number
    assert fields.parse_quantity(str(number), field="q", errors=errors) == number
    assert fields.parse_quantity(float(number), field="q", errors=errors) == number
    assert errors == {}


@pytest.mark.parametrize("value", [0, -1, 1_000_001, 1.5, "1.5", "", None, True, "x"])
def test_parse_quantity_refuses_anything_else(value):
    errors: dict[str, list[str]] = {}

    assert fields.parse_quantity(value, field="q", errors=errors) is None
    assert errors == {"q": ["A whole number from 1 to 1000000."]}


# --- parse_date -------------------------------------------------------------------------------------


def test_parse_date_reads_text_dates_and_datetimes():
    errors: dict[str, list[str]] = {}

    assert fields.parse_date("2026-12-31", field="d", errors=errors) == date(2026, 12, 31)
    assert fields.parse_date(date(2026, 1, 2), field="d", errors=errors) == date(2026, 1, 2)
    assert fields.parse_date(datetime(2026, 1, 2, 23, 59), field="d", errors=errors) == date(2026, 1, 2)
    assert errors == {}


def test_parse_date_requires_a_date_only_when_told():
    errors: dict[str, list[str]] = {}

    assert fields.parse_date("", field="d", errors=errors) is None
    assert errors == {}
    assert fields.parse_date(None, field="d", errors=errors, required=True) is None
    assert errors == {"d": ["This field is required."]}


def test_parse_date_refuses_text_that_is_not_a_date():
    errors: dict[str, list[str]] = {}

    fields.parse_date("31/12/2026", field="d", errors=errors)

    assert errors == {"d": ["A date such as 2026-12-31."]}


def test_parse_date_refuses_a_date_out_of_range():
    errors: dict[str, list[str]] = {}

    fields.parse_date("0001-01-01", field="d", errors=errors)

    assert list(errors) == ["d"]
    assert errors["d"][0].startswith("A date between")


# --- parse_whole ------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=5))
def test_parse_whole_takes_json_numbers_in_range(number):
    errors: dict[str, list[str]] = {}

    assert fields.parse_whole(number, field="n", errors=errors, minimum=0, maximum=5) == number
    assert errors == {}


@pytest.mark.parametrize("value", [-1, 6, "3", 3.0, True, None])
def test_parse_whole_refuses_anything_else(value):
    errors: dict[str, list[str]] = {}

    assert fields.parse_whole(value, field="n", errors=errors, minimum=0, maximum=5) is None
    assert errors == {"n": ["A whole number from 0 to 5."]}


# --- parse_flag and parse_choice --------------------------------------------------------------------


@pytest.mark.parametrize(("value", "flag"), [(True, True), (False, False)])
def test_parse_flag_takes_booleans(value, flag):
    errors: dict[str, list[str]] = {}

    assert fields.parse_flag(value, field="f", errors=errors) is flag
    assert errors == {}


@pytest.mark.parametrize("value", ["true", 1, None])
def test_parse_flag_refuses_anything_but_a_boolean(value):
    errors: dict[str, list[str]] = {}

    assert fields.parse_flag(value, field="f", errors=errors) is None
    assert errors == {"f": ["true or false."]}


def test_parse_choice_takes_one_of_the_choices():
    errors: dict[str, list[str]] = {}

    assert fields.parse_choice("b", field="c", errors=errors, choices=("a", "b")) == "b"
    assert errors == {}


@pytest.mark.parametrize("value", ["c", None, ["a"], 1])
def test_parse_choice_lists_the_choices_or_says_its_own_message(value):
    listed: dict[str, list[str]] = {}
    told: dict[str, list[str]] = {}

    assert fields.parse_choice(value, field="c", errors=listed, choices=("a", "b")) is None
    assert fields.parse_choice(value, field="c", errors=told, choices=("a", "b"), message="a or b.") is None
    assert (listed, told) == ({"c": ["One of: a, b."]}, {"c": ["a or b."]})


# --- parse_moment -----------------------------------------------------------------------------------


def test_parse_moment_reads_a_naive_time_in_the_zone_given():
    errors: dict[str, list[str]] = {}
    shanghai = ZoneInfo("Asia/Shanghai")

    naive = fields.parse_moment(" 2026-03-01T08:00 ", field="m", errors=errors, zone=shanghai)
    aware = fields.parse_moment("2026-03-01T08:00+00:00", field="m", errors=errors, zone=shanghai)

    assert naive == datetime(2026, 3, 1, 8, 0, tzinfo=shanghai)
    assert aware == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert errors == {}


def test_parse_moment_refuses_text_that_is_not_a_time():
    errors: dict[str, list[str]] = {}

    assert fields.parse_moment("yesterday", field="m", errors=errors, zone=UTC) is None
    assert errors == {"m": ["An ISO 8601 date and time."]}
