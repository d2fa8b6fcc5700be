"""Phone numbers as people read them on pages (the API keeps the stored E.164 text).

Numbers are stored normalised (``+8613900001234``, see ``customers.services.normalize_mobile``)
but typed in many ways (``+86 139-0000-1234``, ``177 7918 3402``). Pages show one form:

- a number of the home region (China) in its national grouping without the country code:
  ``139 0000 1234``, ``021 6123 4567``;
- any other number in the international grouping: ``+1 202-555-0123``;
- no number (``None``, ``""``) as ``—``; text that is not a phone number as it is.
"""

from __future__ import annotations

import phonenumbers

HOME_REGION = "CN"
NO_PHONE = "—"


def phone_display(value, region: str = HOME_REGION) -> str:
    text = str(value or "").strip()
    if not text:
        return NO_PHONE
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
