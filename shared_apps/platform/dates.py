"""Dates and times that clients send: one parser and one range for every filter, form and period.

A date outside ``EARLIEST_DAY`` .. ``LATEST_DAY`` is refused like an impossible one (2026-02-30):
nothing the product records lies there, and the arithmetic on such dates (the day after
9999-12-31, midnight of 0001-01-01 in UTC) would overflow. The API answers 400 ``validation_error``
naming the parameter; pages show the error on the form field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.platform.errors import ValidationFailed

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def out_of_range_message() -> str:
    return _("A date between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST_DAY.isoformat(),
        "latest": LATEST_DAY.isoformat(),
    }


def day_in_range(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def parse_day(value: Any, field: str) -> date:
    """A date as YYYY-MM-DD (or a date / datetime object) within the accepted range."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationFailed(errors={field: [_("Enter a date as YYYY-MM-DD.")]}) from None
    if not day_in_range(day):
        raise ValidationFailed(errors={field: [out_of_range_message()]})
    return day


def parse_day_or_moment(value: Any, field: str, *, tz: ZoneInfo, end: bool) -> tuple[datetime, bool]:
    """A filter bound: a date (a whole local day, inclusive) or an ISO 8601 time (naive: local).

    Returns the instant and whether a whole day was given; for a day ``end`` gives the midnight
    after it (exclusive bound), otherwise its midnight."""
    text = str(value).strip()
    day = None
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(errors={field: [_("Enter a date as YYYY-MM-DD.")]}) from None
    if day is not None:
        if not day_in_range(day):
            raise ValidationFailed(errors={field: [out_of_range_message()]})
        return datetime.combine(day + timedelta(days=1) if end else day, time.min, tz), True
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationFailed(
            errors={field: [_("A date such as 2026-12-31, or a time such as 2026-12-31T18:00+08:00.")]}
        )
    if not day_in_range(moment.date()):
        raise ValidationFailed(errors={field: [out_of_range_message()]})
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    return moment, False


class DayField(forms.DateField):
    """A form date field that refuses dates outside the accepted range (a form error, not a 500)."""

    default_error_messages = {"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")}

    def validate(self, value):
        super().validate(value)
        if value and not day_in_range(value):
            raise forms.ValidationError(out_of_range_message(), code="out_of_range")

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
