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


# --- clean_mobile: the one check of a mobile number given in a form or API body ----------------


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


BAD_NUMBER = "Enter a valid mobile number, such as 13800138000."


@pytest.mark.parametrize(
    ("value", "mobile", "normalized"),
    [(" 138 0013 8000 ", "138 0013 8000", "+8613800138000"), ("", "", ""), (None, "", "")],
)
def test_clean_mobile_keeps_the_typed_number_and_its_e164_form(value, mobile, normalized):
    from tenant_apps.customers.services import clean_mobile

    clean: dict = {}
    errors: dict = {}
    clean_mobile(value, clean=clean, errors=errors)
    assert errors == {}
    assert clean == {"mobile": mobile, "mobile_normalized": normalized}


@pytest.mark.parametrize(
    ("value", "message"),
    [(13800138000, "Text is expected."), (["13800138000"], "Text is expected."), ("12345", BAD_NUMBER)],
)
def test_clean_mobile_names_the_mobile_field_and_keeps_nothing(value, message, english):
    from tenant_apps.customers.services import clean_mobile

    clean: dict = {}
    errors: dict = {"name": ["A name is required."]}
    clean_mobile(value, clean=clean, errors=errors)
    assert errors == {"name": ["A name is required."], "mobile": [message]}
    assert clean == {}


@pytest.mark.parametrize(("value", "message"), [(138, "Text is expected."), ("12", BAD_NUMBER)])
def test_customers_and_leads_refuse_a_bad_mobile_with_the_same_message(value, message, english):
    from datetime import UTC, datetime

    from tenant_apps.customers.services.validation import _clean_mobile
    from tenant_apps.leads.services.common import clean_lead

    errors: dict = {}
    _clean_mobile({"mobile": value}, {}, errors)
    assert errors == {"mobile": [message]}
    with pytest.raises(ValidationFailed) as exc:
        clean_lead({"mobile": value, "wechat_id": "wx-1"}, at=datetime(2026, 3, 1, tzinfo=UTC))
    assert exc.value.errors == {"mobile": [message]}


def test_a_customer_change_without_a_mobile_leaves_the_mobile_alone():
    from tenant_apps.customers.services.validation import _clean_mobile

    clean: dict = {}
    errors: dict = {}
    _clean_mobile({"name": "Li"}, clean, errors)
    assert clean == {} and errors == {}
