"""A notification's text kept as message ids and parameters, rendered in the active language."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, pgettext_lazy

from tenant_apps.notifications import messages


def test_a_lazy_format_is_kept_as_its_message_id_and_parameters():
    text = format_lazy(gettext_lazy("Order {number} was shipped"), number="SO-1")

    assert messages.encode(text) == {
        "format": {"msgid": "Order {number} was shipped"},
        "args": [],
        "kwargs": {"number": "SO-1"},
    }


def test_it_reads_in_the_active_language_nested_parameters_included():
    text = format_lazy(gettext_lazy("{label}: {count}"), label=gettext_lazy("Follow-ups due"), count=3)
    encoded = messages.encode(text)

    with translation.override("en"):
        assert messages.render(encoded) == "Follow-ups due: 3"
    with translation.override("zh-hans"):
        chinese = messages.render(encoded)
    assert chinese == "到期跟进：3 条"


def test_text_a_person_typed_and_other_values_stay_as_they_were():
    assert messages.encode("老王物流") == "老王物流"
    assert messages.encode(Decimal("12.50")) == "12.50"
    assert messages.encode(None) == ""
    assert messages.render(messages.encode("plain")) == "plain"


def test_a_context_message_keeps_its_context():
    encoded = messages.encode(pgettext_lazy("metric", "Gross margin"))

    assert encoded == {"context": "metric", "msgid": "Gross margin"}
    with translation.override("en"):
        assert messages.render(encoded) == "Gross margin"


def test_lines_are_shown_one_a_line():
    encoded = messages.lines([messages.encode(gettext_lazy("Orders shipped")), "typed"])

    with translation.override("en"):
        assert messages.render(encoded) == "Orders shipped\ntyped"


def test_a_missing_or_malformed_message_falls_back_to_the_stored_text():
    assert messages.render(None, "stored") == "stored"
    assert messages.render({}, "stored") == "stored"
    assert messages.render({"format": {"msgid": "{missing}"}, "args": [], "kwargs": {}}, "stored") == "stored"
    assert messages.render({"unknown": 1}, "stored") == "stored"
