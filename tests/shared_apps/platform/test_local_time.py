"""Instants on pages read in the active (store's) time zone, whether given as datetimes or as the
API's ISO text."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from shared_apps.platform.templatetags.crm import local_time, panel_value


@pytest.mark.parametrize(
    ("zone", "want"),
    [("Asia/Shanghai", "2026-11-26 13:18"), ("America/Bogota", "2026-11-26 00:18"), ("UTC", "2026-11-26 05:18")],
)
def test_api_text_and_datetimes_read_in_the_active_zone(zone, want):
    with timezone.override(zone):
        assert local_time("2026-11-26T05:18:39.743627+00:00") == want
        assert local_time("2026-11-26T13:18:39+08:00") == want
        assert local_time("2026-11-26T05:18:39Z") == want
        assert local_time(datetime(2026, 11, 26, 5, 18, 39, tzinfo=UTC)) == want
        assert panel_value("2026-11-26T05:18:39.743627+00:00") == want


def test_anything_else_is_left_as_it_is():
    assert local_time("2026-11-26") == "2026-11-26"
    assert local_time("not a time") == "not a time"
    assert local_time(None) is None
    assert local_time(datetime(2026, 11, 26, 5, 18)) == datetime(2026, 11, 26, 5, 18)  # naive: unknown zone
    assert panel_value("12") == "12"
    assert "1,234.50" in panel_value(Decimal("1234.50"))


def test_the_filter_in_a_template_with_a_format():
    template = Template('{% load crm %}{{ at|local_time:"H:i" }}')
    with timezone.override("Asia/Shanghai"):
        assert template.render(Context({"at": "2026-11-26T23:30:00+00:00"})) == "07:30"
