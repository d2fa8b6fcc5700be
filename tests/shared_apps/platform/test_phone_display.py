"""Phone numbers on pages: one form whatever was typed (the phone filter)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from shared_apps.platform.phone_display import phone_display


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("+8613900001234", "139 0000 1234"),
        ("+86 139-0000-1234", "139 0000 1234"),
        ("177 7918 3402", "177 7918 3402"),
        ("17779183402", "177 7918 3402"),
        ("+862161234567", "021 6123 4567"),
        ("+12025550123", "+1 202-555-0123"),
        ("+447911123456", "+44 7911 123456"),
        (None, "—"),
        ("", "—"),
        ("ask at the desk", "ask at the desk"),
    ],
)
def test_one_form_for_every_spelling(value, text):
    assert phone_display(value) == text


def test_filter_keeps_the_number_on_one_line_and_escapes_other_text():
    html = Template("{% load crm %}{{ a|phone }}|{{ b|phone }}|{{ c|phone }}").render(
        Context({"a": "+8613900001234", "b": "<b>", "c": None})
    )
    number, other, none = html.split("|")
    assert number == '<span class="phone text-nowrap">139 0000 1234</span>'
    assert other == '<span class="phone text-nowrap">&lt;b&gt;</span>'
    assert none == "—"
