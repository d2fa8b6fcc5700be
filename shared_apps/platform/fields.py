"""Parsers of the fields a write takes, shared by the store apps' services.

Each parser takes the raw value (JSON or form text), the field's name and the ``errors`` dict of the
write, returns the clean value, and on a bad value appends a translated message under the field
(returning ``None`` or ``""``), so that a write gathers every problem before it refuses.
``raise_errors`` then turns the gathered errors into one ``ValidationFailed``: the single message
when one field is wrong, "Invalid input." with every field's messages when more are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shared_apps.platform.dates import day_in_range, out_of_range_message
from shared_apps.platform.errors import ValidationFailed

Errors = dict[str, list[str]]

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")  # what a money column (14 digits, 2 places) holds
MAX_QUANTITY = 1_000_000
MAX_ID = 2**63  # a bigint primary key is below


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def raise_errors(errors: Errors) -> None:
    """Refuse the write when ``errors`` holds anything (nothing happens when it is empty)."""
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first if len(errors) == 1 else _("Invalid input."), errors=errors)


def parse_id(value: Any, *, whole_floats: bool = False) -> int | None:
    """A positive primary key given as a number or digits; None for anything else.

    ``whole_floats`` also takes a float with no fraction (``3.0``)."""
    if isinstance(value, bool) or value is None:
        return None
    if whole_floats and isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < MAX_ID else None


def parse_text(
    value: Any, *, field: str, errors: Errors, max_length: int, required: bool = False, not_text: str | None = None
) -> str:
    """Text, stripped, of at most ``max_length`` characters (None is empty text). A value that is
    not text is refused with "Text is expected." (or ``not_text``, where an answer words it so)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        _add(errors, field, not_text or _("Text is expected."))
        return ""
    text = value.strip()
    if required and not text:
        _add(errors, field, _("This field is required."))
    elif len(text) > max_length:
        _add(errors, field, _("At most %(max)d characters.") % {"max": max_length})
    return text


def clean_text_fields(
    data: Mapping[str, Any], max_lengths: Mapping[str, int], *, errors: Errors, given_only: bool = False
) -> dict[str, str]:
    """The text of each field of ``max_lengths`` (its name and maximum length) in ``data``, each
    checked by ``parse_text``: a refused value leaves its field out of the result, its message in
    ``errors``. A field missing from ``data`` reads as empty text, or is skipped with ``given_only``
    (a partial update)."""
    clean: dict[str, str] = {}
    for field, max_length in max_lengths.items():
        if given_only and field not in data:
            continue
        known = len(errors.get(field, ()))
        text = parse_text(data.get(field), field=field, errors=errors, max_length=max_length)
        if len(errors.get(field, ())) == known:
            clean[field] = text
    return clean


@dataclass(frozen=True)
class MoneyWords:
    """How an answer refuses a malformed amount (each app's answers keep their words, api.md): the
    message of a value that is no number, of one with too many decimals, of one not more than
    zero; ``as_written``: the decimals are counted as written ("1.000" has three) and checked
    before the sign and the size."""

    invalid: str
    places: str
    not_positive: str
    as_written: bool = False


# Prices, costs and refunds (sales, after-sales, imports).
MONEY = MoneyWords(
    invalid=gettext_noop("Not a valid amount."),
    places=gettext_noop("At most 2 decimal places."),
    not_positive=gettext_noop("Must be greater than zero."),
)
# Finance's amounts of payment records and invoices.
PAYMENT_AMOUNT = MoneyWords(
    invalid=gettext_noop("Enter an amount such as 1280.00."),
    places=gettext_noop("An amount has at most 2 decimals."),
    not_positive=gettext_noop("The amount must be greater than 0."),
    as_written=True,
)


def parse_money(
    value: Any,
    *,
    field: str,
    errors: Errors,
    positive: bool = True,
    maximum: Decimal = MAX_MONEY,
    negative_message: str | None = None,
    words: MoneyWords = MONEY,
) -> Decimal | None:
    """A money amount: a number or decimal string with at most 2 decimals (never a float's noise),
    as a ``Decimal`` with 2 places.

    The checks, in this order, each stopping at the first failure: present, a finite number, not
    negative (only with ``negative_message``, which is then the message), at most ``maximum`` in
    size, at most 2 decimal places, more than zero (only when ``positive``). With
    ``words.as_written`` the last three come as: at most 2 decimals as written, more than zero, the
    size."""
    if value is None or value == "" or isinstance(value, bool):
        _add(errors, field, _("An amount is required."))
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount: Decimal | None = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        _add(errors, field, _(words.invalid))
        return None
    if negative_message is not None and amount < 0:
        _add(errors, field, negative_message)
        return None
    too_large = (abs(amount) > maximum, _("The amount is too large."))
    if words.as_written:
        places = (int(amount.as_tuple().exponent) < -2, _(words.places))
    else:  # (a value too large to quantize is refused for its size first)
        places = (not too_large[0] and amount != amount.quantize(CENT, rounding=ROUND_HALF_UP), _(words.places))
    not_positive = (positive and amount <= 0, _(words.not_positive))
    checks = (places, not_positive, too_large) if words.as_written else (too_large, places, not_positive)
    for failed, message in checks:
        if failed:
            _add(errors, field, message)
            return None
    return amount.quantize(CENT)


def parse_quantity(value: Any, *, field: str, errors: Errors, maximum: int = MAX_QUANTITY) -> int | None:
    """A whole number from 1 to ``maximum``, given as a number (``3`` or ``3.0``) or digits."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number <= 0 or number > maximum:
        _add(errors, field, _("A whole number from 1 to %(max)d.") % {"max": maximum})
        return None
    return number


def parse_date(value: Any, *, field: str, errors: Errors, required: bool = False) -> date | None:
    """A calendar date (``2026-12-31``, a ``date`` or the date of a ``datetime``) in the supported range."""
    if value in (None, ""):
        if required:
            _add(errors, field, _("This field is required."))
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            _add(errors, field, _("A date such as 2026-12-31."))
            return None
    if not day_in_range(day):
        _add(errors, field, out_of_range_message())
        return None
    return day


def parse_whole(value: Any, *, field: str, errors: Errors, minimum: int, maximum: int) -> int | None:
    """A whole number from ``minimum`` to ``maximum``, given as a JSON number (never text, a float or
    a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        _add(errors, field, _("A whole number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum})
        return None
    return value


def parse_flag(value: Any, *, field: str, errors: Errors) -> bool | None:
    """``true`` or ``false`` (a JSON boolean, or a form's checkbox made into one)."""
    if not isinstance(value, bool):
        _add(errors, field, _("true or false."))
        return None
    return value


def parse_choice(
    value: Any, *, field: str, errors: Errors, choices: Sequence[str], message: str | None = None
) -> str | None:
    """One of ``choices``; else ``message`` (by default, the list of choices)."""
    if isinstance(value, str) and value in choices:
        return value
    _add(errors, field, message or _("One of: %(values)s.") % {"values": ", ".join(choices)})
    return None


def parse_moment(value: Any, *, field: str, errors: Errors, zone: tzinfo) -> datetime | None:
    """An ISO 8601 date and time (a ``datetime`` too); a naive one is read in ``zone``."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            _add(errors, field, _("An ISO 8601 date and time."))
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zone)
    return moment
