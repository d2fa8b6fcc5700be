"""Demo data of sales (``seed_demo``): a pallet catalogue, quotations in every status and about
``ctx.orders`` contract orders over the last 60 days in every status of the pipeline, with their
lines, deliveries and timelines. Rows are written directly (as the services would leave them) so
that seeding stays fast; every random choice comes from the seeder's own generator.

Prepaid orders past collection and completed credit orders get a confirmed collection of their
whole amount (a finance record, so the order's money always equals its confirmed payments); the
finance seeder adds payment records to the orders still collectable.

Every product but the last has a cost price (about 60 % of its list price a year ago, raised 45
days ago: one change in its history), so the Kanban shows a gross margin; each order line captures
the cost in effect when it was signed, and the last product's lines count as lines without a cost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.roles import StoreRole
from tenant_apps.customers.selectors import visible_customers
from tenant_apps.sales.models import (
    Category,
    Delivery,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductCost,
    Quotation,
    QuotationLine,
)
from tenant_apps.sales.panels import record_imported_collection
from tenant_apps.sales.services import costs_in_effect, order_cost
from tenant_apps.workspace.demo import DemoContext, register_seeder
from tenant_apps.workspace.selectors import channel_list
from tenants.storetime import local_date, store_zone

CATEGORIES = ("塑料托盘", "木托盘", "金属托盘", "周转箱")
# Cost prices as shares of the list price: the first a year ago, the second since ``COST_CHANGED_DAYS``.
COST_SHARES = (Decimal("0.58"), Decimal("0.63"))
COST_SINCE_DAYS, COST_CHANGED_DAYS = 400, 45
# (sku, name, category index, spec, list price)
PRODUCTS = (
    ("TP-1210-9", "九脚塑料托盘 1200×1000", 0, "1200×1000×140mm 动载1T", "128.00"),
    ("TP-1210-C", "川字塑料托盘 1200×1000", 0, "1200×1000×150mm 动载1.5T", "168.00"),
    ("TP-1111-T", "田字塑料托盘 1100×1100", 0, "1100×1100×150mm 动载1.2T", "158.00"),
    ("TP-1311-W", "网格川字托盘 1300×1100", 0, "1300×1100×150mm 钢管加固", "215.00"),
    ("TP-1210-P", "平板塑料托盘 1200×1000", 0, "1200×1000×150mm 双面", "245.00"),
    ("TP-1008-L", "轻型九脚托盘 1000×800", 0, "1000×800×120mm", "78.00"),
    ("MT-1210-F", "熏蒸木托盘 1200×1000", 1, "出口免熏蒸", "65.00"),
    ("MT-1111-S", "松木托盘 1100×1100", 1, "四面进叉", "58.00"),
    ("MT-1412-H", "重型木托盘 1400×1200", 1, "动载3T", "96.00"),
    ("JT-1210-G", "钢制托盘 1200×1000", 2, "镀锌 动载2T", "420.00"),
    ("JT-1311-A", "铝合金托盘 1300×1100", 2, "食品级", "680.00"),
    ("JT-1210-C", "冷库钢托盘 1200×1000", 2, "耐低温", "520.00"),
    ("ZZ-6040-A", "物流周转箱 600×400", 3, "600×400×280mm", "42.00"),
    ("ZZ-6040-L", "带盖周转箱 600×400", 3, "600×400×320mm 带盖", "55.00"),
    ("ZZ-4030-F", "折叠周转箱 400×300", 3, "400×300×240mm 可折叠", "36.00"),
)
CARRIERS = ("顺丰", "德邦物流", "安能物流", "中通快运", "自提")
S = Order.Status
# Status mix of the demo orders (repeated): every status appears.
STATUS_CYCLE = (
    (S.COMPLETED, "prepaid"),
    (S.COMPLETED, "credit"),
    (S.PENDING_COLLECTION, "prepaid"),
    (S.PENDING_OUTBOUND, "prepaid"),
    (S.PENDING_OUTBOUND, "credit"),
    (S.PENDING_DELIVERY, "credit"),
    (S.PENDING_RECEIPT, "prepaid"),
    (S.AWAITING_PAYMENT, "credit"),
    (S.COMPLETED, "prepaid"),
    (S.CANCELLED, "prepaid"),
    (S.PENDING_RECEIPT, "credit"),
    (S.PENDING_COLLECTION, "prepaid"),
)
PATH = {
    "prepaid": (S.PENDING_COLLECTION, S.PENDING_OUTBOUND, S.PENDING_DELIVERY, S.PENDING_RECEIPT, S.COMPLETED),
    "credit": (S.PENDING_OUTBOUND, S.PENDING_DELIVERY, S.PENDING_RECEIPT, S.AWAITING_PAYMENT, S.COMPLETED),
}
QUOTATION_STATUSES = tuple(Quotation.Status.values)


def _number(prefix: str, at, seq: int) -> str:
    return f"{prefix}{timezone.localtime(at, store_zone()):%Y%m%d}-{seq:06d}"


def _catalogue(now) -> list[Product]:
    categories = [
        Category.objects.get_or_create(name=name, defaults={"position": i})[0] for i, name in enumerate(CATEGORIES)
    ]
    products = []
    for sku, name, cat, spec, price in PRODUCTS:
        product, _created = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "category": categories[cat],
                "spec": spec,
                "list_price": Decimal(price),
                "unit": "个",
            },
        )
        products.append(product)
    if not ProductCost.objects.exists():
        ProductCost.objects.bulk_create(
            ProductCost(
                product=product, unit_cost=(product.list_price * share).quantize(Decimal("0.01")), effective_from=at
            )
            for product in products[:-1]
            for share, at in zip(
                COST_SHARES,
                (now - timedelta(days=COST_SINCE_DAYS), now - timedelta(days=COST_CHANGED_DAYS)),
                strict=True,
            )
        )
    return products


def _order_lines(order: Order, lines) -> list[OrderLine]:
    """The order's lines of ``(product, quantity, unit price)``, at their list prices of now and the
    cost prices in effect when the order was signed (the order's cost with them)."""
    costs = costs_in_effect((p.pk for p, _q, _price in lines), at=order.signed_at)
    cost, missing = order_cost((q, costs.get(p.pk)) for p, q, _price in lines)
    Order.objects.filter(pk=order.pk).update(cost=cost, lines_without_cost=missing)
    order.cost, order.lines_without_cost = cost, missing
    return [
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
            unit_cost=costs.get(p.pk),
        )
        for i, (p, q, price) in enumerate(lines)
    ]


def _pick_lines(rng, products) -> list[tuple[Product, int, Decimal]]:
    lines = []
    for product in rng.sample(products, rng.randint(1, 3)):
        quantity = rng.choice((20, 50, 100, 200, 300, 500))
        rate = Decimal(rng.choice(("1.00", "0.98", "0.95", "0.92", "0.90")))
        lines.append((product, quantity, (product.list_price * rate).quantize(Decimal("0.01"))))
    return lines


@register_seeder("sales", order=30)
def seed_sales(ctx: DemoContext) -> str | None:
    rng = ctx.rng
    admin = (list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    access = resolve_store_access(user=admin, store=ctx.store) if admin is not None else None
    if access is None:
        return None
    customers = list(visible_customers(access=access).filter(owner__isnull=False).order_by("pk")[:200])
    if not customers:
        return None
    products = _catalogue(ctx.now)
    channels = list(channel_list())
    warehouse = (list(ctx.users(StoreRole.WAREHOUSE)) or list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    supervisor = (list(ctx.users(StoreRole.SUPERVISOR)) or list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    # Quotations: a few in each status.
    q_seq = 0
    for status in QUOTATION_STATUSES:
        for _i in range(2):
            customer = rng.choice(customers)
            q_seq += 1
            created = ctx.now - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 12))
            lines = _pick_lines(rng, products)
            if status in ("pending_approval", "rejected"):
                lines = [(p, q, (p.list_price * Decimal("0.82")).quantize(Decimal("0.01"))) for p, q, _x in lines]
            amount = sum((q * price for _p, q, price in lines), Decimal("0.00"))
            list_amount = sum((q * p.list_price for p, q, _x in lines), Decimal("0.00"))
            rate = (amount / list_amount).quantize(Decimal("0.0001"))
            expired = status == "expired"
            # Valid through a local day still ahead (the expiry job finds nothing to do), or, for the
            # expired ones, through a day already past.
            today = local_date(ctx.now)
            if expired:
                valid = today - timedelta(days=2)
            else:
                valid = max(local_date(created + timedelta(days=15)), today + timedelta(days=rng.randint(3, 20)))
            decided = status in ("approved", "rejected", "sent", "accepted")
            quotation = Quotation.objects.create(
                number=_number("Q", created, q_seq),
                customer=customer,
                channel=customer.channel,
                owner_id=customer.owner_id,
                status=status,
                valid_until=valid,
                amount=amount,
                list_amount=list_amount,
                discount_rate=rate,
                requires_approval=rate < Decimal("0.9"),
                decided_by_id=supervisor.pk if supervisor and decided else None,
                decided_at=created + timedelta(hours=2) if decided else None,
                decision_comment="折扣过低" if status == "rejected" else "",
                sent_at=created + timedelta(hours=3) if status in ("sent", "accepted") else None,
                accepted_at=created + timedelta(days=1) if status == "accepted" else None,
                created_by_id=customer.owner_id,
                notes="含税含运费",
            )
            Quotation.objects.filter(pk=quotation.pk).update(created_at=created)
            QuotationLine.objects.bulk_create(
                QuotationLine(
                    quotation=quotation,
                    position=i,
                    product=p,
                    sku=p.sku,
                    product_name=p.name,
                    unit=p.unit,
                    quantity=q,
                    unit_price=price,
                    list_price=p.list_price,
                    amount=q * price,
                )
                for i, (p, q, price) in enumerate(lines)
            )
    # Orders over the last 60 days.
    count = max(ctx.orders, len(STATUS_CYCLE))
    events: list[OrderEvent] = []
    for index in range(count):
        status, mode = STATUS_CYCLE[index % len(STATUS_CYCLE)]
        customer = rng.choice(customers)
        signed = ctx.now - timedelta(days=rng.randint(0, 59), hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
        if status in (S.COMPLETED, S.AWAITING_PAYMENT):
            signed = min(signed, ctx.now - timedelta(days=6))
        lines = _pick_lines(rng, products)
        amount = sum((q * price for _p, q, price in lines), Decimal("0.00"))
        list_amount = sum((q * p.list_price for p, q, _x in lines), Decimal("0.00"))
        path = PATH[mode]
        reached = path.index(status) if status in path else 0
        shipped = signed + timedelta(days=2) if status in (S.PENDING_RECEIPT, S.AWAITING_PAYMENT, S.COMPLETED) else None
        received = signed + timedelta(days=4) if status in (S.COMPLETED, S.AWAITING_PAYMENT) else None
        completed = (signed + timedelta(days=5)) if status == S.COMPLETED else None
        fully = (mode == "prepaid" and status not in (S.PENDING_COLLECTION, S.CANCELLED)) or (
            mode == "credit" and status == S.COMPLETED
        )
        order = Order.objects.create(
            number=_number("SO", signed, index + 1),
            customer=customer,
            channel=customer.channel or (rng.choice(channels) if channels else None),
            device=rng.choice(Order.Device.values),
            owner_id=customer.owner_id,
            payment_mode=mode,
            due_date=(signed + timedelta(days=30)).date() if mode == "credit" else None,
            status=status,
            amount=amount,
            list_amount=list_amount,
            discount_rate=(amount / list_amount).quantize(Decimal("0.0001")),
            signed_at=signed,
            shipped_at=shipped,
            received_at=received,
            completed_at=completed,
            cancelled_at=signed + timedelta(hours=5) if status == S.CANCELLED else None,
            cancel_reason="客户改期采购" if status == S.CANCELLED else "",
            rating=rng.choice((None, 4, 5, 5, 3)) if status == S.COMPLETED else None,
            created_by_id=customer.owner_id,
        )
        OrderLine.objects.bulk_create(_order_lines(order, lines))
        if fully:
            record_imported_collection(
                order=order, amount=amount, confirmed_at=min(signed + timedelta(days=1), ctx.now), access=None
            )
        events.append(OrderEvent(order=order, kind="created", actor_id=customer.owner_id, to_status=path[0], at=signed))
        if status == S.CANCELLED:
            events.append(
                OrderEvent(
                    order=order,
                    kind="transition",
                    actor_id=customer.owner_id,
                    from_status=path[0],
                    to_status=S.CANCELLED,
                    message="客户改期采购",
                    at=signed + timedelta(hours=5),
                )
            )
            continue
        for step in range(reached):
            at = signed + timedelta(days=step + 1)
            system = (mode == "prepaid" and step == 0) or (path[step + 1] == S.COMPLETED and mode == "credit")
            events.append(
                OrderEvent(
                    order=order,
                    kind="transition",
                    actor_id=None if system else (warehouse.pk if warehouse and step < 3 else customer.owner_id),
                    from_status=path[step],
                    to_status=path[step + 1],
                    at=min(at, ctx.now),
                )
            )
        if order.shipped_at or status == S.PENDING_DELIVERY:
            carrier = rng.choice(CARRIERS)
            Delivery.objects.create(
                order=order,
                items=[{"order_line": line.pk, "quantity": line.quantity} for line in order.lines.all()],
                status=Delivery.Status.RECEIVED
                if received
                else (Delivery.Status.SHIPPED if order.shipped_at else Delivery.Status.OUTBOUND),
                carrier=carrier if order.shipped_at else "",
                tracking_number=f"{rng.randint(10**11, 10**12 - 1)}" if order.shipped_at else "",
                outbound_at=signed + timedelta(days=1),
                shipped_at=order.shipped_at,
                received_at=received,
            )
    OrderEvent.objects.bulk_create(events)
    return f"{len(PRODUCTS)} products, {q_seq} quotations, {count} orders"


# Regular buyers of the year before the recent orders: each orders about every ``interval`` days;
# the lapsed ones stopped 110-250 days ago (churn risk has someone to find), the steady ones
# bought until just before the recent 60 days.
HISTORY_BUYERS = 24
HISTORY_DAYS = 420


@register_seeder("order_history", order=32)
def seed_order_history(ctx: DemoContext) -> str | None:
    """A year of completed, fully collected orders from regular buyers, some of whom stopped."""
    rng = ctx.rng
    admin = (list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    access = resolve_store_access(user=admin, store=ctx.store) if admin is not None else None
    if access is None:
        return None
    customers = list(visible_customers(access=access).filter(owner__isnull=False).order_by("pk"))
    products = list(Product.objects.order_by("pk"))
    if not customers or not products:
        return None
    channels = list(channel_list())
    buyers = rng.sample(customers, min(HISTORY_BUYERS, len(customers)))
    seq, lapsed = 0, 0
    events: list[OrderEvent] = []
    for position, customer in enumerate(buyers):
        interval = rng.randint(25, 45)
        stops = position % 2 == 0
        lapsed += stops
        last = rng.randint(110, 250) if stops else rng.randint(61, 75)
        day = HISTORY_DAYS - rng.randint(0, 30)
        while day >= last:
            seq += 1
            signed = ctx.now - timedelta(days=day, hours=rng.randint(0, 10))
            events += _history_order(rng, customer, signed, _pick_lines(rng, products), seq, channels)
            day -= max(7, interval + rng.randint(-7, 7))
    OrderEvent.objects.bulk_create(events)
    return f"{seq} earlier orders of {len(buyers)} regular buyers, {lapsed} of whom stopped"


def _history_order(rng, customer, signed, lines, seq: int, channels) -> list[OrderEvent]:
    """A completed prepaid order signed at ``signed``, collected the next day; its events."""
    amount = sum((q * price for _p, q, price in lines), Decimal("0.00"))
    list_amount = sum((q * p.list_price for p, q, _x in lines), Decimal("0.00"))
    completed = signed + timedelta(days=5)
    order = Order.objects.create(
        number=_number("SH", signed, seq),
        customer=customer,
        channel=customer.channel or (rng.choice(channels) if channels else None),
        device=rng.choice(Order.Device.values),
        owner_id=customer.owner_id,
        payment_mode=Order.PaymentMode.PREPAID,
        status=S.COMPLETED,
        amount=amount,
        list_amount=list_amount,
        discount_rate=(amount / list_amount).quantize(Decimal("0.0001")),
        signed_at=signed,
        shipped_at=signed + timedelta(days=2),
        received_at=signed + timedelta(days=4),
        completed_at=completed,
        rating=rng.choice((None, 4, 5, 5)),
        created_by_id=customer.owner_id,
    )
    OrderLine.objects.bulk_create(_order_lines(order, lines))
    record_imported_collection(order=order, amount=amount, confirmed_at=signed + timedelta(days=1), access=None)
    return [
        OrderEvent(order=order, kind="created", actor_id=customer.owner_id, to_status=S.PENDING_COLLECTION, at=signed),
        OrderEvent(
            order=order,
            kind="transition",
            actor_id=customer.owner_id,
            from_status=S.PENDING_RECEIPT,
            to_status=S.COMPLETED,
            at=completed,
        ),
    ]
