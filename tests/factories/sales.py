"""Store data for tests that need orders without going through the services (figures, rollups,
finance). A store schema must be active (``in_store``). Rows are written as the services would
leave them: amounts equal the sum of lines, money columns equal confirmed payments."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from tenant_apps.customers.models import Customer
from tenant_apps.sales.models import Category, Order, OrderLine, Product

_seq = itertools.count(1)


def make_customer(*, name: str | None = None, owner=None, channel=None, province: str = "", **fields) -> Customer:
    n = next(_seq)
    return Customer.objects.create(
        name=name or f"Customer {n}",
        owner=owner,
        owner_since=timezone.now() if owner else None,
        channel=channel,
        province=province,
        **fields,
    )


def make_category(name: str | None = None) -> Category:
    return Category.objects.get_or_create(name=name or f"Category {next(_seq)}")[0]


def make_product(*, sku: str | None = None, list_price: Decimal | str = "100.00", category=None, **fields) -> Product:
    n = next(_seq)
    return Product.objects.create(
        sku=sku or f"SKU-{n:05d}",
        name=fields.pop("name", f"Product {n}"),
        category=category,
        list_price=Decimal(list_price),
        **fields,
    )


def make_order(
    *,
    customer: Customer,
    owner,
    lines: list[tuple],
    signed_at: datetime | None = None,
    status: str = Order.Status.PENDING_OUTBOUND,
    payment_mode: str = Order.PaymentMode.CREDIT,
    due_date=None,
    channel=None,
    device: str = Order.Device.UNKNOWN,
    completed_at: datetime | None = None,
    cancelled_at: datetime | None = None,
    rating: int | None = None,
    collected: Decimal | str = "0.00",
    number: str | None = None,
    **fields,
) -> Order:
    """An order with ``lines`` of ``(product, quantity, unit_price)`` or ``(product, quantity,
    unit_price, unit_cost)`` (no cost: unknown), written directly."""
    signed_at = signed_at or timezone.now()
    priced = [
        (line[0], line[1], Decimal(line[2]), None if len(line) < 4 or line[3] is None else Decimal(line[3]))
        for line in lines
    ]
    amount = sum((q * price for _, q, price, _cost in priced), Decimal("0.00"))
    list_amount = sum((q * p.list_price for p, q, _, _cost in priced), Decimal("0.00"))
    cost = sum((q * c for _, q, _price, c in priced if c is not None), Decimal("0.00"))
    if payment_mode == Order.PaymentMode.CREDIT and due_date is None:
        due_date = signed_at.date()
    order = Order.objects.create(
        number=number or f"T{next(_seq):09d}",
        customer=customer,
        owner=owner,
        channel=channel,
        device=device,
        payment_mode=payment_mode,
        due_date=due_date,
        status=status,
        amount=amount,
        list_amount=list_amount,
        discount_rate=(amount / list_amount).quantize(Decimal("0.0001")) if list_amount else None,
        collected=Decimal(collected),
        signed_at=signed_at,
        completed_at=completed_at,
        cancelled_at=cancelled_at,
        rating=rating,
        cost=cost,
        lines_without_cost=sum(1 for line in priced if line[3] is None),
        **fields,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=i,
            product=p,
            sku=p.sku,
            product_name=p.name,
            category_name=p.category.name if p.category_id else "",
            unit=p.unit,
            quantity=q,
            unit_price=price,
            list_price=p.list_price,
            amount=q * price,
            unit_cost=c,
        )
        for i, (p, q, price, c) in enumerate(priced)
    )
    return order


def make_more_sales_and_a_loss(*, owner, admin, large_order: Decimal | str | None = None) -> None:
    """Against the 7 days before, the last 7 days (range ``7d``) have a higher transaction amount
    (300.00 against 100.00, plus ``large_order`` signed 2 days ago when given) and a higher lost
    rate (one of two long-owned customers released now, against none): good news and bad news."""
    from datetime import timedelta

    from tenant_apps.pool.services import release_customer
    from tests.dates import days_from_today, local_at
    from tests.factories.accounts import access_of

    product = make_product(list_price="100.00")
    buyer = make_customer(owner=owner)
    make_order(
        customer=buyer, owner=owner, lines=[(product, 1, "100.00")], signed_at=local_at(days_from_today(-10), 12)
    )
    make_order(
        customer=buyer, owner=owner, lines=[(product, 3, "100.00")], signed_at=timezone.now() - timedelta(minutes=1)
    )
    long_ago = local_at(days_from_today(-20), 12)
    kept, lost = make_customer(owner=owner), make_customer(owner=owner)
    Customer.objects.filter(pk__in=[kept.pk, lost.pk]).update(created_at=long_ago, owner_since=long_ago)
    release_customer(customer_id=lost.pk, access=access_of(admin), reason="联系不上")
    if large_order is not None:
        big = make_product(list_price=large_order)
        signed = local_at(days_from_today(-2), 12)
        make_order(customer=buyer, owner=owner, lines=[(big, 1, large_order)], signed_at=signed)
