"""Categories, products and their cost prices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Unpack

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shared_apps.platform.fields import Errors, raise_errors
from tenant_apps.sales.error_codes import SalesErrorCode
from tenant_apps.sales.inputs import CostInput, ProductFields
from tenant_apps.sales.models import Category, Product, ProductCost
from tenant_apps.sales.services.common import CENT


def _check_manager(access: StoreAccess) -> None:
    if not access.can("products.manage"):
        raise PermissionDenied()


def _check_name_free(name: str, *, category_id: int | None = None) -> None:
    if Category.objects.filter(name=name).exclude(pk=category_id).exists():
        message = _("A category with this name exists.")
        raise ValidationFailed(message, errors={"name": [message]})


@transaction.atomic
def category_create(*, access: StoreAccess, name: str, position: int | None = None) -> Category:
    _check_manager(access)
    _check_name_free(name)
    return Category.objects.create(name=name, **({"position": position} if position is not None else {}))


@transaction.atomic
def category_update(
    *, category_id: int, access: StoreAccess, name: str | None = None, position: int | None = None
) -> Category:
    """Rename or move a category (None: unchanged)."""
    _check_manager(access)
    category = Category.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise NotFound(_("No such category."))
    if name is not None:
        _check_name_free(name, category_id=category.pk)
        category.name = name
    if position is not None:
        category.position = position
    category.save()
    return category


def _product_values(given: ProductFields, errors: Errors) -> dict[str, Any]:
    """The given fields, their category found (``No such category.`` under ``category``)."""
    values: dict[str, Any] = {key: value for key, value in given.items() if key != "category_id"}
    if given.get("category_id") is not None:
        values["category"] = Category.objects.filter(pk=given["category_id"]).first()
        if values["category"] is None:
            errors["category"] = [_("No such category.")]
    elif "category_id" in given:
        values["category"] = None
    return values


def _check_cost_setter(access: StoreAccess, cost: CostInput | None) -> None:
    if cost is not None and not access.can("costs.manage"):
        raise PermissionDenied(_("You may not set cost prices."))


def _check_sku_free(values: dict[str, Any], errors: Errors, *, product_id: int | None = None) -> None:
    if values.get("sku") and Product.objects.filter(sku=values["sku"]).exclude(pk=product_id).exists():
        errors.setdefault("sku", []).append(_("A product with this SKU exists."))


def _add_cost(product: Product, cost: CostInput, *, access: StoreAccess, at: datetime) -> ProductCost:
    return ProductCost.objects.create(
        product=product,
        unit_cost=cost.unit_cost,
        effective_from=cost.effective_from or at,
        set_by_id=access.user.pk if access.user is not None else None,
    )


@transaction.atomic
def product_create(
    *, access: StoreAccess, cost: CostInput | None = None, at: datetime | None = None, **given: Unpack[ProductFields]
) -> Product:
    """A product (``sku``, ``name``, ``unit``, ``list_price``; ``spec``, ``category_id``, ``active``)
    with its first cost price when ``cost`` is given (``costs.manage`` only)."""
    _check_manager(access)
    errors: Errors = {}
    values = _product_values(given, errors)
    _check_cost_setter(access, cost)
    _check_sku_free(values, errors)
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
def product_update(
    *,
    product_id: int,
    access: StoreAccess,
    cost: CostInput | None = None,
    at: datetime | None = None,
    **given: Unpack[ProductFields],
) -> Product:
    """Change the given fields of a product, and add a cost price when ``cost`` is given; signed
    orders keep what they captured."""
    _check_manager(access)
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No such product."))
    errors: Errors = {}
    values = _product_values(given, errors)
    _check_cost_setter(access, cost)
    _check_sku_free(values, errors, product_id=product.pk)
    raise_errors(errors)
    for key, value in values.items():
        setattr(product, key, value)
    product.save()
    if cost is not None:
        _add_cost(product, cost, access=access, at=at or timezone.now())
    return product


@transaction.atomic
def product_cost_add(
    *, product_id: int, access: StoreAccess, cost: CostInput, at: datetime | None = None
) -> ProductCost:
    """A new cost price of a product (``effective_from`` default now): its history keeps every
    earlier one; orders signed from ``effective_from`` on capture it."""
    _check_cost_setter(access, cost)
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No such product."))
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
