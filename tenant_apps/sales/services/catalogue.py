"""Categories, products and their cost prices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shared_apps.platform.fields import parse_id, parse_text, raise_errors
from tenant_apps.sales.error_codes import SalesErrorCode
from tenant_apps.sales.models import Category, Product, ProductCost
from tenant_apps.sales.services.common import CENT, parse_money
from tenants.storetime import store_zone

# --- catalogue ------------------------------------------------------------------------------------


def _category_values(data: dict, errors: dict[str, list[str]], *, partial: bool) -> dict:
    values: dict[str, Any] = {}
    if "name" in data or not partial:
        name = parse_text(data.get("name"), field="name", errors=errors, max_length=80)
        if not name and "name" not in errors:
            errors["name"] = [_("A name is required.")]
        values["name"] = name
    if "position" in data:
        position = data.get("position")
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 32767:
            errors["position"] = [_("A whole number from 0 to 32767.")]
        else:
            values["position"] = position
    return values


@transaction.atomic
def category_create(*, data: dict) -> Category:
    errors: dict[str, list[str]] = {}
    values = _category_values(data, errors, partial=False)
    if not errors and Category.objects.filter(name=values["name"]).exists():
        errors["name"] = [_("A category with this name exists.")]
    raise_errors(errors)
    return Category.objects.create(**values)


@transaction.atomic
def category_update(*, category_id, data: dict) -> Category:
    category = Category.objects.select_for_update().filter(pk=parse_id(category_id) or 0).first()
    if category is None:
        raise NotFound(_("No such category."))
    errors: dict[str, list[str]] = {}
    values = _category_values(data, errors, partial=True)
    if "name" in values and Category.objects.filter(name=values["name"]).exclude(pk=category.pk).exists():
        errors["name"] = [_("A category with this name exists.")]
    raise_errors(errors)
    for key, value in values.items():
        setattr(category, key, value)
    category.save()
    return category


def _product_values(data: dict, errors: dict[str, list[str]], *, partial: bool) -> dict:
    values: dict[str, Any] = {}
    for field, max_length, required in (("sku", 64, True), ("name", 200, True), ("spec", 200, False)):
        if field in data or not partial:
            text = parse_text(data.get(field), field=field, errors=errors, max_length=max_length)
            if required and not text and field not in errors:
                errors[field] = [_("This field is required.")]
            values[field] = text
    if "unit" in data or not partial:
        unit = parse_text(data.get("unit", "件"), field="unit", errors=errors, max_length=20)
        values["unit"] = unit or "件"
    if "list_price" in data or not partial:
        values["list_price"] = parse_money(data.get("list_price"), field="list_price", errors=errors)
    if "category" in data:
        raw = data.get("category")
        if raw in (None, ""):
            values["category"] = None
        else:
            category = Category.objects.filter(pk=parse_id(raw) or 0).first()
            if category is None:
                errors["category"] = [_("No such category.")]
            values["category"] = category
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = [_("true or false.")]
        else:
            values["active"] = data["active"]
    return values


def parse_cost(value: Any, *, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A cost price: an amount of at most 2 decimals, zero or more."""
    cost = parse_money(value, field=field, errors=errors, positive=False)
    if cost is not None and cost < 0:
        errors.setdefault(field, []).append(_("A cost cannot be negative."))
        return None
    return cost


def _parse_moment(value: Any, *, field: str, errors: dict[str, list[str]]) -> datetime | None:
    """An ISO 8601 date-time (a naive one is in the store's zone)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.setdefault(field, []).append(_("An ISO 8601 date and time."))
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, store_zone())
    return moment


def _cost_values(data: dict, errors: dict[str, list[str]], *, access: StoreAccess | None) -> dict | None:
    """The cost price a product input sets (``cost_price``, ``cost_effective_from``), or None."""
    if data.get("cost_price") in (None, "") and "cost_effective_from" not in data:
        return None
    if access is None or not access.can("costs.manage"):
        raise PermissionDenied(_("You may not set cost prices."))
    unit_cost = parse_cost(data.get("cost_price"), field="cost_price", errors=errors)
    effective_from = None
    if data.get("cost_effective_from") not in (None, ""):
        effective_from = _parse_moment(data["cost_effective_from"], field="cost_effective_from", errors=errors)
    return {"unit_cost": unit_cost, "effective_from": effective_from}


def _add_cost(product: Product, cost: dict, *, access: StoreAccess | None, at: datetime) -> ProductCost:
    return ProductCost.objects.create(
        product=product,
        unit_cost=cost["unit_cost"],
        effective_from=cost.get("effective_from") or at,
        set_by_id=access.user.pk if access is not None and access.user is not None else None,
    )


@transaction.atomic
def product_create(*, data: dict, access: StoreAccess | None = None, at: datetime | None = None) -> Product:
    errors: dict[str, list[str]] = {}
    values = _product_values(data, errors, partial=False)
    cost = _cost_values(data, errors, access=access)
    if values.get("sku") and Product.objects.filter(sku=values["sku"]).exists():
        errors.setdefault("sku", []).append(_("A product with this SKU exists."))
    raise_errors(errors)
    try:
        with transaction.atomic():
            product = Product.objects.create(**values)
    except IntegrityError:
        raise Conflict(_("A product with this SKU exists."), code=SalesErrorCode.DUPLICATE_SKU) from None
    if cost is not None:
        _add_cost(product, cost, access=access, at=at or timezone.now())
    return product


@transaction.atomic
def product_update(*, product_id, data: dict, access: StoreAccess | None = None, at: datetime | None = None) -> Product:
    product = Product.objects.select_for_update().filter(pk=parse_id(product_id) or 0).first()
    if product is None:
        raise NotFound(_("No such product."))
    errors: dict[str, list[str]] = {}
    values = _product_values(data, errors, partial=True)
    cost = _cost_values(data, errors, access=access)
    if values.get("sku") and Product.objects.filter(sku=values["sku"]).exclude(pk=product.pk).exists():
        errors.setdefault("sku", []).append(_("A product with this SKU exists."))
    raise_errors(errors)
    for key, value in values.items():
        setattr(product, key, value)
    product.save()
    if cost is not None:
        _add_cost(product, cost, access=access, at=at or timezone.now())
    return product


@transaction.atomic
def product_cost_add(*, product_id, data: Any, access: StoreAccess, at: datetime | None = None) -> ProductCost:
    """A new cost price of a product (``unit_cost`` >= 0, ``effective_from`` default now): its history
    keeps every earlier one; orders signed from ``effective_from`` on capture it."""
    if not access.can("costs.manage"):
        raise PermissionDenied(_("You may not set cost prices."))
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."))
    product = Product.objects.select_for_update().filter(pk=parse_id(product_id) or 0).first()
    if product is None:
        raise NotFound(_("No such product."))
    errors: dict[str, list[str]] = {}
    cost = {"unit_cost": parse_cost(data.get("unit_cost"), field="unit_cost", errors=errors), "effective_from": None}
    if data.get("effective_from") not in (None, ""):
        cost["effective_from"] = _parse_moment(data["effective_from"], field="effective_from", errors=errors)
    raise_errors(errors)
    return _add_cost(product, cost, access=access, at=at or timezone.now())


def costs_in_effect(product_ids, *, at: datetime) -> dict[int, Decimal]:
    """Each product's cost price in effect at ``at`` (products without one are left out)."""
    rows = (
        ProductCost.objects.filter(product_id__in=set(product_ids), effective_from__lte=at)
        .order_by("product_id", "-effective_from", "-id")
        .distinct("product_id")
        .values_list("product_id", "unit_cost")
    )
    return dict(rows)


def order_cost(lines) -> tuple[Decimal, int]:
    """``(cost, lines without cost)`` of order lines (``quantity`` and ``unit_cost`` each)."""
    cost, missing = Decimal("0.00"), 0
    for quantity, unit_cost in lines:
        if unit_cost is None:
            missing += 1
        else:
            cost += quantity * unit_cost
    return cost.quantize(CENT), missing
