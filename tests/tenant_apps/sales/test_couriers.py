"""The courier list of shipments: listed codes read as names, "other" keeps the typed name."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import translation

from tenant_apps.sales.couriers import COURIERS, carrier_from_form, courier_label


def test_codes_are_unique_and_read_in_the_active_language():
    assert len({c.code for c in COURIERS}) == len(COURIERS)
    with translation.override("zh-hans"):
        assert courier_label("SF") == "顺丰速运"
    with translation.override("en"):
        assert courier_label("sf") == "SF Express"


def test_text_typed_before_the_list_is_shown_as_it_is():
    assert courier_label("老王物流") == "老王物流"
    assert courier_label("") == ""


def test_the_form_gives_the_code_or_the_name_typed_for_other():
    assert carrier_from_form(QueryDict("carrier=ZTO&carrier_other=ignored")) == "ZTO"
    assert (
        carrier_from_form(QueryDict("carrier=other&carrier_other=%20%E8%80%81%E7%8E%8B%E7%89%A9%E6%B5%81%20"))
        == "老王物流"
    )
    assert carrier_from_form(QueryDict("carrier=other")) == ""
