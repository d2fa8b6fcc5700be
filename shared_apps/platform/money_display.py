"""Amounts as people read them on pages (the API keeps writing decimal strings, ``periods.money``).

- ``full``: the currency sign, thousands separators and 2 decimals: ``¥1,234,567.00``; a negative
  amount as ``-¥1,234.50``; zero as ``¥0.00``.
- ``compact``, for tight spots (headline cards, ranking tables, chart axes and tooltips): below
  10,000 exactly as ``full``; from 10,000 on, 2 decimals of the largest unit the amount reaches
  after rounding: in Chinese 万 (10⁴) and 亿 (10⁸), ``¥249.77万``, ``¥1.00亿``; in English K (10³),
  M (10⁶) and B (10⁹), ``¥12.35K``, ``¥2.50M``.
- No amount (``None``, ``""``) is ``—``; anything that is not a number is shown as it is.

Rounding is half up, on ``Decimal``: no float is involved. The pages' charts apply the same units
from ``display_spec()`` (``static/js/money.js``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import get_language

CURRENCY_SIGN = "¥"
NO_AMOUNT = "—"
CENT = Decimal("0.01")
COMPACT_FROM = Decimal(10_000)
CHINESE_UNITS = ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"))
ENGLISH_UNITS = ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K"))


def to_decimal(value) -> Decimal | None:
    """``value`` (Decimal, int, decimal string; a float through its shortest text) as a finite
    Decimal, or None when it is empty or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def compact_units(language: str | None = None) -> tuple[tuple[Decimal, str], ...]:
    """The units of the compact form in ``language`` (default: the active one), largest first."""
    language = (language or get_language() or "").lower()
    return CHINESE_UNITS if language.startswith("zh") else ENGLISH_UNITS


def _signed(number: Decimal, text: str) -> str:
    return f"-{CURRENCY_SIGN}{text}" if number < 0 else f"{CURRENCY_SIGN}{text}"


def _rounded(number: Decimal) -> Decimal:
    rounded = number.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)  # never "-¥0.00"


def money_full(value) -> str:
    """``¥1,234,567.00`` (see the module docstring)."""
    number = to_decimal(value)
    if number is None:
        return NO_AMOUNT if value in (None, "") else str(value)
    number = _rounded(number)
    return _signed(number, f"{abs(number):,.2f}")


def money_compact(value, language: str | None = None) -> str:
    """``¥249.77万`` / ``¥2.50M`` from 10,000 on, ``money_full`` below (see the module docstring)."""
    number = to_decimal(value)
    if number is None:
        return money_full(value)
    number = _rounded(number)
    size = abs(number)
    if size < COMPACT_FROM:
        return money_full(number)
    for unit, suffix in compact_units(language):
        scaled = (size / unit).quantize(CENT, rounding=ROUND_HALF_UP)
        if scaled >= 1:
            return _signed(number, f"{scaled:,.2f}{suffix}")
    return money_full(number)  # pragma: no cover - the smallest unit is below COMPACT_FROM


def display_spec(language: str | None = None) -> dict:
    """The compact form's rule for the pages' JavaScript (JSON-ready)."""
    return {
        "sign": CURRENCY_SIGN,
        "none": NO_AMOUNT,
        "compact_from": int(COMPACT_FROM),
        "units": [[int(unit), suffix] for unit, suffix in compact_units(language)],
    }
