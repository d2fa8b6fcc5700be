"""Counts on pages carry thousands separators, as the figure cards write them."""

from __future__ import annotations

import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    ("value", "shown"), [(12904, "12,904"), ("1234567", "1,234,567"), (0, "0"), (None, ""), ("n/a", "n/a")]
)
def test_the_count_filter(value, shown):
    rendered = Template("{% load crm %}{{ value|count }}").render(Context({"value": value}))
    assert rendered == shown
