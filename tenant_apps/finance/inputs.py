"""What finance's writes take from a request, read once at the edge: the API's bodies and the
pages' forms go through these input serializers, which give the services their typed keyword
arguments (``Decimal`` amounts, stripped text, checked files) or refuse.

Finance refuses a body at its first wrong field, in the order the fields are read, naming that
field only (api.md); voucher and invoice files are checked after the fields (400 ``invalid_file``,
413 ``file_too_large``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from shared_apps.platform.fields import PAYMENT_AMOUNT, Errors, parse_choice, parse_money, parse_text, raise_errors
from shared_apps.platform.inputs import InputSerializer
from tenant_apps.finance import files
from tenant_apps.finance.models import Invoice, Payment

NOTE_MAX = 300
REASON_MAX = 300
MAX_VOUCHERS = 10
INVOICE_TEXT_LIMITS = {"title": 200, "tax_number": 30, "address": 300, "note": 300}
NUMBER_MAX = 40
COURIER_MAX = 60
TRACKING_MAX = 64
AMOUNT_HELP = 'More than 0, at most 2 decimals, e.g. "1280.00".'


def _text_of(data: Mapping[str, Any], field: str, errors: Errors, *, max_length: int, required: bool = False) -> str:
    return parse_text(
        data.get(field), field=field, errors=errors, max_length=max_length, required=required, not_text=_("Enter text.")
    )


def _choice_of(data: Mapping[str, Any], field: str, errors: Errors, *, choices: Iterable[str]) -> str | None:
    allowed = list(choices)
    message = _("Choose one of: %(allowed)s.") % {"allowed": ", ".join(allowed)}
    return parse_choice(data.get(field), field=field, errors=errors, choices=allowed, message=message)


class FinanceInput(InputSerializer):
    # Finance's answers name the first wrong field only, with its first message.
    def refuse(self, errors: Errors) -> None:
        if errors:
            field, messages = next(iter(errors.items()))
            raise_errors({field: messages[:1]})


class PaymentCreateSerializer(FinanceInput):
    """JSON, or multipart with one or more ``voucher`` files (JPEG, PNG, WebP or PDF)."""

    kind = serializers.ChoiceField(choices=Payment.Kind.choices)
    amount = serializers.CharField(help_text=AMOUNT_HELP)
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    voucher = serializers.ListField(child=serializers.FileField(), required=False)

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        """The record's fields, then its voucher files (``context["vouchers"]``: the uploads)."""
        values = {
            "kind": _choice_of(data, "kind", errors, choices=Payment.Kind.values),
            "amount": parse_money(data.get("amount"), field="amount", errors=errors, words=PAYMENT_AMOUNT),
            "method": _choice_of(data, "method", errors, choices=Payment.Method.values),
            "note": _text_of({"note": data.get("note") or ""}, "note", errors, max_length=NOTE_MAX),
        }
        self.refuse(errors)
        uploads = list(self.context.get("vouchers") or ())
        if len(uploads) > MAX_VOUCHERS:
            message = _("At most %(max)d voucher files per record.") % {"max": MAX_VOUCHERS}
            raise_errors({"voucher": [message]})
        return {**values, "vouchers": files.check_files(uploads, field="voucher")}


class PaymentRejectSerializer(FinanceInput):
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        reason = _text_of(data, "reason", errors, max_length=REASON_MAX, required=True)
        return {"reason": reason}


class InvoiceCreateSerializer(FinanceInput):
    order = serializers.IntegerField(required=False, help_text="An order (or give a quotation).")
    quotation = serializers.IntegerField(required=False, help_text="A quotation (or give an order).")
    title = serializers.CharField(allow_blank=True)
    tax_number = serializers.CharField(allow_blank=True)
    amount = serializers.CharField(help_text=AMOUNT_HELP)
    invoice_type = serializers.ChoiceField(choices=Invoice.Type.choices)
    address = serializers.CharField(allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        """The request's fields (the order or the quotation is looked up by the caller, who must
        name exactly one of them)."""
        if (data.get("order") in (None, "")) == (data.get("quotation") in (None, "")):
            errors["order"] = [_("Name either an order or a quotation.")]
        texts = {"title": data.get("title"), "tax_number": data.get("tax_number"), "address": data.get("address")}
        texts["note"] = data.get("note") or ""
        values: dict[str, Any] = {
            name: _text_of(texts, name, errors, max_length=limit, required=name != "note")
            for name, limit in INVOICE_TEXT_LIMITS.items()
        }
        values["amount"] = parse_money(data.get("amount"), field="amount", errors=errors, words=PAYMENT_AMOUNT)
        values["invoice_type"] = _choice_of(data, "invoice_type", errors, choices=Invoice.Type.values)
        return values


class InvoiceIssueSerializer(FinanceInput):
    number = serializers.CharField()
    file = serializers.FileField(help_text="PDF, JPEG, PNG or WebP.")

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        """The invoice's number, then its file (``context["file"]``: the upload, or None)."""
        number = _text_of(data, "number", errors, max_length=NUMBER_MAX, required=True)
        self.refuse(errors)
        upload = self.context.get("file")
        if upload is None:
            raise_errors({"file": [_("The invoice file is required.")]})
        return {"number": number, "file": files.check_file(upload, field="file")}


class InvoiceMailSerializer(FinanceInput):
    courier = serializers.CharField()
    tracking_number = serializers.CharField()

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        values = {
            "courier": _text_of(data, "courier", errors, max_length=COURIER_MAX, required=True),
            "tracking_number": _text_of(data, "tracking_number", errors, max_length=TRACKING_MAX, required=True),
        }
        return values
