"""Amounts on pages: the money and money_compact filters (and what the pages' charts are given)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from shared_apps.platform.money_display import display_spec, money_compact, money_full


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567"), "¥1,234,567.00"),
        ("1234567.5", "¥1,234,567.50"),
        (Decimal("0"), "¥0.00"),
        ("0.00", "¥0.00"),
        (Decimal("-0.001"), "¥0.00"),
        (Decimal("-1234.5"), "-¥1,234.50"),
        (Decimal("0.005"), "¥0.01"),
        (Decimal("-0.005"), "-¥0.01"),
        (7, "¥7.00"),
        (Decimal("123456789012345.67"), "¥123,456,789,012,345.67"),
        (None, "—"),
        ("", "—"),
        ("n/a", "n/a"),
    ],
)
def test_full_form(value, text):
    assert money_full(value) == text


@pytest.mark.parametrize(
    ("value", "chinese", "english"),
    [
        (Decimal("9999.99"), "¥9,999.99", "¥9,999.99"),
        (Decimal("10000"), "¥1.00万", "¥10.00K"),
        (Decimal("2497700"), "¥249.77万", "¥2.50M"),
        (Decimal("2497749.99"), "¥249.77万", "¥2.50M"),
        (Decimal("2497750"), "¥249.78万", "¥2.50M"),
        (Decimal("99999999"), "¥1.00亿", "¥100.00M"),
        (Decimal("99000000"), "¥9,900.00万", "¥99.00M"),
        (Decimal("99500000"), "¥1.00亿", "¥99.50M"),
        (Decimal("123456789012"), "¥1,234.57亿", "¥123.46B"),
        (Decimal("12345678901234567"), "¥123,456,789.01亿", "¥12,345,678.90B"),
        (Decimal("-2497700"), "-¥249.77万", "-¥2.50M"),
        (Decimal("-12.5"), "-¥12.50", "-¥12.50"),
        (Decimal("0"), "¥0.00", "¥0.00"),
        (None, "—", "—"),
    ],
)
def test_compact_form_in_both_languages(value, chinese, english):
    assert money_compact(value, "zh-hans") == chinese
    assert money_compact(value, "en") == english


def test_compact_form_follows_the_active_language():
    with translation.override("zh-hans"):
        assert money_compact("2497700") == "¥249.77万"
    with translation.override("en"):
        assert money_compact("2497700") == "¥2.50M"


def test_the_filters_in_a_template():
    template = Template("{% load crm %}<td class='money'>{{ a|money }}</td><td>{{ b|money_compact }}</td>{{ c|money }}")
    with translation.override("zh-hans"):
        html = template.render(Context({"a": Decimal("-1234567.891"), "b": "2497700.00", "c": None}))
    assert html == "<td class='money'>-¥1,234,567.89</td><td>¥249.77万</td>—"


def test_the_charts_get_the_units_of_the_language():
    assert display_spec("zh-hans")["units"] == [[100_000_000, "亿"], [10_000, "万"]]
    assert display_spec("en")["units"] == [[1_000_000_000, "B"], [1_000_000, "M"], [1_000, "K"]]
    assert display_spec("en")["compact_from"] == 10_000


def test_panel_values_show_amounts_as_money_instants_in_the_store_time_and_the_rest_as_it_is():
    template = Template("{% load crm %}{{ a|panel_value }}|{{ b|panel_value }}|{{ c|panel_value }}|{{ d|panel_value }}")
    with timezone.override("America/Bogota"):
        html = template.render(Context({"a": "12800.00", "b": 3, "c": "1999-01-02T10:00:00+08:00", "d": "<b>"}))
    assert html == '<span class="money">¥12,800.00</span>|3|1999-01-01 21:00|&lt;b&gt;'
