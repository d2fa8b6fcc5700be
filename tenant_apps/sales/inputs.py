"""The input of the sales writes, parsed once, at the edge.

Each input serializer below (a ``shared_apps.platform.inputs.InputSerializer``) describes a body
to OpenAPI (its declared fields) and turns it into typed values (its ``parse``): ``Decimal``
amounts, ``date`` and ``datetime`` values, ``int`` ids, ``LineInput`` lines, with the shared
parsers of ``shared_apps.platform.fields``. The API passes ``request.data`` through them and the
pages their forms' values, so both refuse the same input with the same messages. Every field's
problem is gathered and the write is refused at once, naming every malformed field, before any
service runs (so a malformed field is answered before any business rule); the validated data
are the keyword arguments of the service, which checks only the rules of the business (what the
ids name and whether the caller may see it, states, roles, the discount threshold).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from django.utils.translation import gettext as _
from rest_framework import serializers

from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.fields import (
    Errors,
    parse_choice,
    parse_date,
    parse_flag,
    parse_id,
    parse_moment,
    parse_money,
    parse_quantity,
    parse_text,
    parse_whole,
)
from shared_apps.platform.inputs import InputSerializer
from tenant_apps.sales.models import Delivery, Order
from tenant_apps.sales.rules import DELIVERY_PERMISSION
from tenants.storetime import store_zone

MAX_LINES = 200
MAX_UNIT_PRICE = Decimal("9999999999.99")
NOTES_MAX = 5000
REASON_MAX = 300
COMMENT_MAX = 500
DECISION_COMMENT_MAX = 300
FAILURE_REASON_MAX = 300
CARRIER_MAX = 60
TRACKING_NUMBER_MAX = 64

# A channel as an input names it: its id, or its code.
ChannelRef = int | str


@dataclass(frozen=True)
class LineInput:
    """A line as a quotation or an order is given it (its product is checked by the service)."""

    product_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class CostInput:
    """A new cost price of a product; ``effective_from`` None: from the moment it is written."""

    unit_cost: Decimal
    effective_from: datetime | None = None


class QuotationFields(TypedDict, total=False):
    """A quotation's fields as given (a new quotation always has a customer and lines)."""

    customer_id: int
    channel: ChannelRef | None
    valid_until: date
    notes: str
    lines: list[LineInput]


class ProductFields(TypedDict, total=False):
    """A product's fields as given (a new product always has a SKU, a name, a unit and a price)."""

    sku: str
    name: str
    spec: str
    unit: str
    list_price: Decimal
    category_id: int | None
    active: bool


# --- the parsers of sales' own fields ----------------------------------------------------------


def parse_cost(value: Any, *, field: str, errors: Errors) -> Decimal | None:
    """A cost price: an amount of at most 2 decimals, zero or more (at most a unit price)."""
    cost = parse_money(value, field=field, errors=errors, positive=False, maximum=MAX_UNIT_PRICE)
    if cost is not None and cost < 0:
        errors.setdefault(field, []).append(_("A cost cannot be negative."))
        return None
    return cost


def _reference(
    value: Any, *, field: str, errors: Errors, missing: str, required: bool = True, whole_floats: bool = False
) -> int | None:
    """The id of a record an input names; ``missing`` when it cannot be one (the service says the
    same of an id that names nothing the caller may see)."""
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    pk = parse_id(value, whole_floats=whole_floats)
    if pk is None:
        errors.setdefault(field, []).append(missing)
    return pk


def parse_customer(value: Any, errors: Errors) -> int | None:
    return _reference(value, field="customer", errors=errors, missing=_("No such customer."), whole_floats=True)


def parse_channel(value: Any, errors: Errors) -> ChannelRef | None:
    """A channel's code, or its id given as a number or digits; None for none."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and not value.strip().isdigit():
        return value.strip()
    pk = parse_id(value)
    if pk is None:
        errors.setdefault("channel", []).append(_("No such channel."))
    return pk


def parse_lines(value: Any, errors: Errors) -> list[LineInput]:
    """``[{"product", "quantity", "unit_price"}]`` → lines (1 to ``MAX_LINES``)."""
    if not isinstance(value, list) or not value:
        errors.setdefault("lines", []).append(_("At least one line is required."))
        return []
    if len(value) > MAX_LINES:
        errors.setdefault("lines", []).append(_("At most %(max)d lines.") % {"max": MAX_LINES})
        return []
    lines: list[LineInput] = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            errors.setdefault(f"lines.{index}", []).append(_("A line is an object."))
            continue
        product_id = parse_id(raw.get("product"))
        if product_id is None:
            errors.setdefault(f"lines.{index}.product", []).append(_("No such product."))
        quantity = parse_quantity(raw.get("quantity"), field=f"lines.{index}.quantity", errors=errors)
        unit_price = parse_money(
            raw.get("unit_price"), field=f"lines.{index}.unit_price", errors=errors, maximum=MAX_UNIT_PRICE
        )
        if product_id is not None and quantity is not None and unit_price is not None:
            lines.append(LineInput(product_id, quantity, unit_price))
    return lines


# --- the input serializers ---------------------------------------------------------------------


class CategoryInputSerializer(InputSerializer):
    name = serializers.CharField(required=False, allow_blank=True)
    position = serializers.IntegerField(required=False)

    def parse(self, data, errors):
        values: dict[str, Any] = {}
        if "name" in data or not self.partial:
            name = parse_text(data.get("name"), field="name", errors=errors, max_length=80)
            if not name and "name" not in errors:
                errors["name"] = [_("A name is required.")]
            values["name"] = name
        if "position" in data:
            values["position"] = parse_whole(
                data.get("position"), field="position", errors=errors, minimum=0, maximum=32767
            )
        return values


def _cost(data: Mapping[str, Any], errors: Errors, *, price: str, since: str) -> CostInput | None:
    unit_cost = parse_cost(data.get(price), field=price, errors=errors)
    effective_from = None
    if data.get(since) not in (None, ""):
        effective_from = parse_moment(data[since], field=since, errors=errors, zone=store_zone())
    return CostInput(unit_cost, effective_from) if unit_cost is not None else None


class ProductInputSerializer(InputSerializer):
    sku = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True)
    category = serializers.IntegerField(required=False, allow_null=True)
    spec = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)
    list_price = serializers.CharField(required=False, help_text='A decimal string such as "128.00".')
    active = serializers.BooleanField(required=False)
    cost_price = serializers.CharField(
        required=False,
        allow_null=True,
        help_text='A new cost price ("86.50", >= 0), in effect from now (or cost_effective_from). '
        "Admins, supervisors and finance only.",
    )
    cost_effective_from = serializers.DateTimeField(required=False)

    def parse(self, data, errors):
        """``ProductFields`` (the given ones on a partial update) and ``cost`` (a ``CostInput`` when
        the body sets a cost price, else None)."""
        values: dict[str, Any] = {}
        for field, max_length, required in (("sku", 64, True), ("name", 200, True), ("spec", 200, False)):
            if field in data or not self.partial:
                values[field] = parse_text(
                    data.get(field), field=field, errors=errors, max_length=max_length, required=required
                )
        if "unit" in data or not self.partial:
            values["unit"] = parse_text(data.get("unit", "件"), field="unit", errors=errors, max_length=20) or "件"
        if "list_price" in data or not self.partial:
            values["list_price"] = parse_money(
                data.get("list_price"), field="list_price", errors=errors, maximum=MAX_UNIT_PRICE
            )
        if "category" in data:
            values["category_id"] = _reference(
                data.get("category"), field="category", errors=errors, missing=_("No such category."), required=False
            )
        if "active" in data:
            values["active"] = parse_flag(data["active"], field="active", errors=errors)
        values["cost"] = None
        if data.get("cost_price") not in (None, "") or "cost_effective_from" in data:
            values["cost"] = _cost(data, errors, price="cost_price", since="cost_effective_from")
        return values


class ProductCostInputSerializer(InputSerializer):
    unit_cost = serializers.CharField(help_text='A decimal string >= 0 such as "86.50".')
    effective_from = serializers.DateTimeField(required=False, help_text="Default: now.")

    def parse(self, data, errors):
        return {"cost": _cost(data, errors, price="unit_cost", since="effective_from")}


class LineInputSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField(help_text='A decimal string such as "118.50".')


class QuotationInputSerializer(InputSerializer):
    customer = serializers.IntegerField(required=False)
    channel = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="A channel code.")
    valid_until = serializers.CharField(required=False, help_text="A date, e.g. 2026-12-31.")
    notes = serializers.CharField(required=False, allow_blank=True)
    lines = LineInputSerializer(many=True, required=False)

    def parse(self, data, errors):
        """``QuotationFields``: a new quotation's customer and lines are required; its validity
        date, when not given, is the service's default."""
        values: dict[str, Any] = {}
        if "customer" in data or not self.partial:
            values["customer_id"] = parse_customer(data.get("customer"), errors)
        if "channel" in data:
            values["channel"] = parse_channel(data.get("channel"), errors)
        if "valid_until" in data:
            valid_until = parse_date(data["valid_until"], field="valid_until", errors=errors, required=not self.partial)
            if valid_until is not None:
                values["valid_until"] = valid_until
        if "notes" in data:
            values["notes"] = parse_text(data.get("notes"), field="notes", errors=errors, max_length=NOTES_MAX)
        if "lines" in data or not self.partial:
            values["lines"] = parse_lines(data.get("lines"), errors)
        return values


class QuotationPreviewInputSerializer(InputSerializer):
    lines = LineInputSerializer(many=True)

    def parse(self, data, errors):
        return {"lines": parse_lines(data.get("lines"), errors)}


class CommentSerializer(InputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True)

    def parse(self, data, errors):
        return {
            "comment": parse_text(
                data.get("comment", ""), field="comment", errors=errors, max_length=DECISION_COMMENT_MAX
            )
        }


class OrderInputSerializer(InputSerializer):
    quotation = serializers.IntegerField(required=False, allow_null=True)
    customer = serializers.IntegerField(required=False)
    lines = LineInputSerializer(many=True, required=False)
    payment_mode = serializers.ChoiceField(choices=Order.PaymentMode.choices)
    due_date = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    device = serializers.ChoiceField(choices=Order.Device.choices, required=False)
    channel = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="A channel code.")
    notes = serializers.CharField(required=False, allow_blank=True)

    def parse(self, data, errors):
        """The order's header, then its quotation (``quotation_id``) or its customer and lines."""
        mode = data.get("payment_mode")
        values: dict[str, Any] = {
            "payment_mode": parse_choice(
                mode,
                field="payment_mode",
                errors=errors,
                choices=Order.PaymentMode.values,
                message=_("prepaid or credit."),
            ),
            "due_date": parse_date(
                data.get("due_date"), field="due_date", errors=errors, required=mode == Order.PaymentMode.CREDIT
            ),
            "device": parse_choice(
                data.get("device") or Order.Device.UNKNOWN, field="device", errors=errors, choices=Order.Device.values
            ),
            "notes": parse_text(data.get("notes"), field="notes", errors=errors, max_length=NOTES_MAX),
        }
        if data.get("channel") not in (None, ""):
            values["channel"] = parse_channel(data.get("channel"), errors)
        if data.get("quotation") not in (None, ""):
            values["quotation_id"] = _reference(
                data.get("quotation"), field="quotation", errors=errors, missing=_("No such quotation.")
            )
        else:
            values["customer_id"] = parse_customer(data.get("customer"), errors)
            values["lines"] = parse_lines(data.get("lines"), errors)
        return values


class TransitionInputSerializer(InputSerializer):
    to = serializers.CharField(help_text="The target status.")
    carrier = serializers.CharField(required=False, allow_blank=True)
    tracking_number = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, help_text="Required to cancel.")

    def parse(self, data, errors):
        """The target status and the fields it takes: the reason of a cancellation, the carrier
        and tracking number of a shipment (the service says when they are missing)."""
        to = data.get("to") if isinstance(data.get("to"), str) else ""
        if not to:
            raise ValidationFailed(_("The target status is required."), errors={"to": [_("This field is required.")]})
        if to not in Order.Status.values:
            raise ValidationFailed(_("Unknown status."), errors={"to": [_("Unknown status.")]})
        values: dict[str, Any] = {"to": to}
        if to == Order.Status.CANCELLED:
            values["reason"] = parse_text(data.get("reason"), field="reason", errors=errors, max_length=REASON_MAX)
        elif to == Order.Status.PENDING_RECEIPT:
            values.update(parse_shipment(data, errors))
        return values


def parse_shipment(data: Mapping[str, Any], errors: Errors) -> dict[str, str]:
    return {
        "carrier": parse_text(data.get("carrier"), field="carrier", errors=errors, max_length=CARRIER_MAX),
        "tracking_number": parse_text(
            data.get("tracking_number"), field="tracking_number", errors=errors, max_length=TRACKING_NUMBER_MAX
        ),
    }


class FeedbackInputSerializer(InputSerializer):
    rating = serializers.IntegerField(help_text="1 to 5.")
    comment = serializers.CharField(required=False, allow_blank=True)

    def parse(self, data, errors):
        return {
            "rating": parse_whole(data.get("rating"), field="rating", errors=errors, minimum=1, maximum=5),
            "comment": parse_text(data.get("comment"), field="comment", errors=errors, max_length=COMMENT_MAX),
        }


class DeliveryFailInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=300, help_text="Why the delivery failed (lost, refused, returned...).")

    def parse(self, data, errors):
        reason = data.get("reason")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason or len(reason) > FAILURE_REASON_MAX:
            message = _("A reason of 1 to %(max)d characters is required.") % {"max": FAILURE_REASON_MAX}
            raise ValidationFailed(_("Invalid input."), errors={"reason": [message]})
        return {"reason": reason}


class DeliveryTransitionInputSerializer(InputSerializer):
    to = serializers.ChoiceField(choices=[str(step) for step in DELIVERY_PERMISSION])
    carrier = serializers.CharField(required=False, allow_blank=True)
    tracking_number = serializers.CharField(required=False, allow_blank=True)

    def parse(self, data, errors):
        """The next step of a delivery; a shipment's carrier and tracking number (text that is not
        a string counts as none given)."""
        to = data.get("to")
        if to not in tuple(DELIVERY_PERMISSION):
            raise ValidationFailed(_("Unknown status."), errors={"to": [_("outbound, shipped or received.")]})
        values: dict[str, Any] = {"to": to}
        if to == Delivery.Status.SHIPPED:
            texts = {
                key: data.get(key) if isinstance(data.get(key), str) else "" for key in ("carrier", "tracking_number")
            }
            values.update(parse_shipment(texts, errors))
        return values
