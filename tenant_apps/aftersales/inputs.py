"""What after-sales' writes take from a request, read once at the edge: the API's bodies and the
pages' forms go through these input serializers, which give the services their typed keyword
arguments (ids as ``int``, amounts as ``Decimal``, items as ``(order line, quantity)`` pairs) or
refuse with 400 ``validation_error`` naming every malformed field at once.

Only the shape is checked here; what needs the order (its lines, the units left, what can still
be refunded) is checked by the services under the order's lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from shared_apps.platform.fields import (
    Errors,
    parse_choice,
    parse_flag,
    parse_id,
    parse_money,
    parse_quantity,
    parse_text,
)
from shared_apps.platform.inputs import InputSerializer
from tenant_apps.aftersales import services
from tenant_apps.aftersales.models import Case

MAX_ITEMS = 200


def _amount(value: Any, errors: Errors) -> Decimal | None:
    """A money amount ≥ 0 with at most 2 decimals, given as a decimal string or a number (an
    object or a list counts as no amount)."""
    return parse_money(
        None if isinstance(value, (dict, list)) else value,
        field="amount",
        errors=errors,
        positive=False,
        negative_message=_("The amount cannot be negative."),
    )


def _flag(value: Any, *, field: str, errors: Errors) -> bool:
    """true or false; left out (None or empty text), false."""
    return False if value in (None, "") else bool(parse_flag(value, field=field, errors=errors))


def _case_amount(value: Any, case_type: str | None, errors: Errors) -> Decimal | None:
    """The money of a refund (more than zero for a refund only); none for an exchange or a reissue."""
    money: Decimal | None = None
    if case_type in Case.MONEY_TYPES:
        money = _amount(value, errors)
        if money is not None and money == 0 and case_type == Case.Type.REFUND_ONLY:
            errors.setdefault("amount", []).append(_("A refund must be greater than zero."))
    elif case_type in Case.DELIVERY_TYPES and value not in (None, ""):
        check: Errors = {}
        given = _amount(value, check)
        if check or given != 0:
            errors["amount"] = [_("No money moves in an exchange or a reissue: leave the amount empty.")]
    return money


def _items(value: Any, errors: Errors, *, required: bool) -> list[tuple[int, int]]:
    """``[{"order_line", "quantity"}]`` → ``[(order_line_id, quantity)]`` (shape only)."""
    if value in (None, ""):
        value = []
    if not isinstance(value, list):
        errors.setdefault("items", []).append(_("A list of items is expected."))
        return []
    if required and not value:
        errors.setdefault("items", []).append(_("Name at least one item of the order and its quantity."))
        return []
    if len(value) > MAX_ITEMS:
        errors.setdefault("items", []).append(_("At most %(max)d items.") % {"max": MAX_ITEMS})
        return []
    items: list[tuple[int, int]] = []
    seen: set[int] = set()
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            errors.setdefault(f"items.{index}", []).append(_("An item is an object."))
            continue
        line_id = parse_id(raw.get("order_line"), whole_floats=True)
        if line_id is None:
            errors.setdefault(f"items.{index}.order_line", []).append(_("This item is not in the order."))
        elif line_id in seen:
            errors.setdefault(f"items.{index}.order_line", []).append(_("This order line is named twice."))
        quantity = parse_quantity(raw.get("quantity"), field=f"items.{index}.quantity", errors=errors)
        if line_id is not None and quantity is not None and line_id not in seen:
            items.append((line_id, quantity))
        if line_id is not None:
            seen.add(line_id)
    return items


class CaseItemWriteSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(help_text="An order line of the order.")
    quantity = serializers.IntegerField(min_value=1)


class CaseCreateSerializer(InputSerializer):
    order = serializers.IntegerField(help_text="The order (its goods have left the warehouse).")
    type = serializers.ChoiceField(choices=Case.Type.choices)
    reason = serializers.CharField(max_length=services.REASON_MAX)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Required for return_refund and refund_only (at most the refundable amount); empty otherwise.",
    )
    items = CaseItemWriteSerializer(
        many=True, required=False, help_text="Required except for refund_only: order lines and quantities."
    )
    reissue_invoice = serializers.BooleanField(required=False, default=False)

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        """Every field of an application, or 400 naming every malformed one."""
        case_type = parse_choice(data.get("type"), field="type", errors=errors, choices=Case.Type.values)
        reason = parse_text(
            data.get("reason"), field="reason", errors=errors, max_length=services.REASON_MAX, required=True
        )
        reissue = _flag(data.get("reissue_invoice"), field="reissue_invoice", errors=errors)
        amount = _case_amount(data.get("amount"), case_type, errors)
        items = _items(data.get("items"), errors, required=case_type in services.UNIT_TYPES)
        order_id = parse_id(data.get("order"), whole_floats=True)
        if order_id is None:
            errors.setdefault("order", []).append(_("No such order."))
        return {
            "order_id": order_id,
            "type": case_type,
            "reason": reason,
            "amount": amount,
            "items": items,
            "reissue_invoice": reissue,
        }


class CaseCommentSerializer(InputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=services.COMMENT_MAX)

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        comment = parse_text(data.get("comment", ""), field="comment", errors=errors, max_length=services.COMMENT_MAX)
        return {"comment": comment}


class CaseRejectSerializer(InputSerializer):
    comment = serializers.CharField(max_length=services.COMMENT_MAX, help_text="Why the case is rejected.")

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        comment = parse_text(
            data.get("comment"), field="comment", errors=errors, max_length=services.COMMENT_MAX, required=True
        )
        return {"comment": comment}


class CaseProcessSerializer(InputSerializer):
    method = serializers.CharField(
        required=False,
        help_text="For refunds, how the money goes back: one of the payment methods "
        "(bank_transfer, alipay, wechat_pay, cash, platform); default bank_transfer.",
    )

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        method = data.get("method")
        if method in (None, ""):  # the default method
            method = None
        else:
            method = parse_choice(method, field="method", errors=errors, choices=services.REFUND_METHODS)
        return {"method": method}
