"""Schedules of rules, on the store's clock: ``hourly``, ``daily`` (at 09:00), ``daily HH:MM``, or
``cron M H DOM MON DOW`` (five crontab fields). ``slot(schedule, at)`` is the latest scheduled
moment at or before ``at``; a rule is due when that slot is later than the last one it ran for."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from celery.schedules import crontab
from django.utils.translation import gettext as _

from tenants.storetime import store_zone

DAILY = re.compile(r"^daily(?: ([01]\d|2[0-3]):([0-5]\d))?$")
CRON_LOOKBACK = timedelta(days=8)


class InvalidSchedule(ValueError):
    pass


def _cron(text: str) -> crontab:
    fields = text.split()
    if len(fields) != 5:
        raise InvalidSchedule(_("A cron schedule has five fields: minute hour day month weekday."))
    try:
        return crontab(
            minute=fields[0], hour=fields[1], day_of_month=fields[2], month_of_year=fields[3], day_of_week=fields[4]
        )
    except Exception as exc:
        raise InvalidSchedule(_("Not a valid cron schedule: %(error)s") % {"error": exc}) from exc


def validate(schedule: object) -> str:
    if not isinstance(schedule, str):
        raise InvalidSchedule(_("A schedule is hourly, daily, daily HH:MM or cron followed by five fields."))
    text = " ".join(schedule.split())
    if text == "hourly" or DAILY.match(text):
        return text
    if text.startswith("cron "):
        _cron(text[5:])
        return text
    raise InvalidSchedule(_("A schedule is hourly, daily, daily HH:MM or cron followed by five fields."))


def slot(schedule: str, at: datetime) -> datetime | None:
    local = at.astimezone(store_zone()).replace(second=0, microsecond=0)
    if schedule == "hourly":
        return local.replace(minute=0)
    match = DAILY.match(schedule)
    if match:
        hour, minute = (int(match.group(1)), int(match.group(2))) if match.group(1) else (9, 0)
        today = local.replace(hour=hour, minute=minute)
        return today if today <= local else today - timedelta(days=1)
    cron = _cron(schedule[5:])
    moment = local
    earliest = local - CRON_LOOKBACK
    while moment >= earliest:
        weekday = (moment.weekday() + 1) % 7  # crontab counts Sunday as 0
        if (
            moment.minute in cron.minute
            and moment.hour in cron.hour
            and moment.day in cron.day_of_month
            and moment.month in cron.month_of_year
            and weekday in cron.day_of_week
        ):
            return moment
        moment -= timedelta(minutes=1)
    return None
