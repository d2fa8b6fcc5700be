"""Mobile number normalisation: the key of dual verification."""

from __future__ import annotations

import pytest

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.customers.services import normalize_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138-0013-8000",
        "+8613800138000",
        "0086 138 0013 8000",
        " 138 0013 8000 ",
        "(+86) 13800138000",
    ],
)
def test_written_forms_of_one_chinese_mobile_normalise_to_the_same_e164(raw):
    assert normalize_mobile(raw) == "+8613800138000"


def test_blank_mobile_normalises_to_empty():
    assert normalize_mobile("   ") == ""
    assert normalize_mobile(None) == ""


def test_foreign_number_with_country_code_is_kept_in_its_country():
    assert normalize_mobile("+1 650-253-0000") == "+16502530000"


@pytest.mark.parametrize("raw", ["12345", "138001380001234", "not a number", "+86 100", "1" * 40])
def test_invalid_mobile_is_refused_with_a_mobile_error(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_mobile(raw)
    assert list(exc.value.errors) == ["mobile"]
