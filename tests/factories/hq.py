"""A varied store history for HQ federation tests: customers, orders (cancelled, completed, rated,
credit and prepaid, at local-day boundaries), confirmed and pending payments, follow-ups, pool
releases and claims, daily enquiries. Rows are written directly (as ``tests/factories/sales.py``)
and an outbox event is published for every entity, as the services would. A store schema must be
active (``in_store``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tenant_apps.customers.models import Customer, FollowUp
from tenant_apps.enquiries.models import DailyEnquiry
from tenant_apps.finance.models import Payment
from tenant_apps.outbox.services import publish_many
from tenant_apps.pool.models import Claim, Release
from tenant_apps.sales.models import Order
from tenant_apps.workspace.selectors import channel_list
from tests.factories.sales import make_category, make_customer, make_order, make_product

TZ = ZoneInfo("Asia/Shanghai")
PROVINCES = ["广东", "浙江", "江苏", ""]


@dataclass
class History:
    customers: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    payments: list[int] = field(default_factory=list)
    follow_ups: list[int] = field(default_factory=list)
    releases: list[int] = field(default_factory=list)
    enquiries: list[int] = field(default_factory=list)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def make_history(
    *, owners, now: datetime, seed: int = 1, customers: int = 14, orders: int = 40, days: int = 75, publish=True
) -> History:
    """Generate a store history over the ``days`` before ``now`` (and a little of today)."""
    rng = random.Random(seed)
    history = History()
    channels = list(channel_list())
    categories = [make_category(f"托盘 {seed}-{i}") for i in range(2)]
    products = [
        make_product(sku=f"PAL-{i:03d}", list_price=_money(rng, 50, 300), category=rng.choice([*categories, None]))
        for i in range(4)
    ]
    local_now = now.astimezone(TZ)

    def moment(max_days: int = days) -> datetime:
        # Some times fall just around local midnight (the Asia/Shanghai vs UTC boundary).
        day = local_now.date() - timedelta(days=rng.randint(0, max_days))
        if rng.random() < 0.25:
            at = datetime.combine(day, datetime.min.time(), tzinfo=TZ) + timedelta(minutes=rng.choice([-30, 0, 30]))
        else:
            at = datetime.combine(day, datetime.min.time(), tzinfo=TZ) + timedelta(minutes=rng.randint(0, 1439))
        return min(at, now - timedelta(minutes=1))

    people: list[Customer] = []
    for _ in range(customers):
        owner = rng.choice([*owners, None])
        customer = make_customer(owner=owner, channel=rng.choice([*channels, None]), province=rng.choice(PROVINCES))
        created = moment()
        since = created + timedelta(days=rng.randint(0, 20)) if owner else None
        Customer.objects.filter(pk=customer.pk).update(created_at=created, owner_since=since and min(since, now))
        customer.refresh_from_db()
        people.append(customer)
        history.customers.append(customer.pk)

    for _ in range(orders):
        customer = rng.choice(people)
        signed = moment()
        status = rng.choice(
            [Order.Status.PENDING_OUTBOUND, Order.Status.COMPLETED, Order.Status.COMPLETED, Order.Status.CANCELLED]
        )
        mode = rng.choice([Order.PaymentMode.CREDIT, Order.PaymentMode.PREPAID])
        completed = None
        if status == Order.Status.COMPLETED:
            completed = min(signed + timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 20)), now)
        lines = [(rng.choice(products), rng.randint(1, 5), _money(rng, 40, 280)) for _ in range(rng.randint(1, 3))]
        order = make_order(
            customer=customer,
            owner=rng.choice(owners),
            lines=lines,
            signed_at=signed,
            status=status,
            payment_mode=mode,
            due_date=(signed + timedelta(days=rng.randint(0, 30))).astimezone(TZ).date()
            if mode == Order.PaymentMode.CREDIT
            else None,
            channel=rng.choice([*channels, None]),
            device=rng.choice(list(Order.Device.values)),
            completed_at=completed,
            cancelled_at=signed + timedelta(hours=2) if status == Order.Status.CANCELLED else None,
            rating=rng.choice([None, 2, 4, 5]) if completed else None,
        )
        history.orders.append(order.pk)
        # Payments: a confirmed collection (sometimes the whole amount), pending ones, a refund.
        collected = Decimal("0.00")
        if status != Order.Status.CANCELLED and rng.random() < 0.7:
            part = order.amount if rng.random() < 0.5 else (order.amount / 2).quantize(Decimal("0.01"))
            confirmed_at = min(signed + timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 12)), now)
            payment = Payment.objects.create(
                order=order,
                kind=Payment.Kind.COLLECTION,
                amount=part,
                method=Payment.Method.BANK_TRANSFER,
                status=Payment.Status.CONFIRMED,
                confirmed_at=confirmed_at,
            )
            history.payments.append(payment.pk)
            collected = part
            fields = {"collected": collected}
            if collected == order.amount:
                fields["fully_collected_at"] = confirmed_at
            if rng.random() < 0.2:
                refund = Payment.objects.create(
                    order=order,
                    kind=Payment.Kind.REFUND,
                    amount=Decimal("10.00"),
                    method=Payment.Method.ALIPAY,
                    status=Payment.Status.CONFIRMED,
                    confirmed_at=min(confirmed_at + timedelta(days=1), now),
                )
                history.payments.append(refund.pk)
                fields["refunded"] = Decimal("10.00")
            Order.objects.filter(pk=order.pk).update(**fields)
        if rng.random() < 0.3:
            pending = Payment.objects.create(
                order=order, kind=Payment.Kind.COLLECTION, amount=Decimal("1.00"), method=Payment.Method.CASH
            )
            history.payments.append(pending.pk)
        if completed and rng.random() < 0.6:
            follow_up = FollowUp.objects.create(
                customer=customer,
                author_id=order.owner_id,
                kind=FollowUp.Kind.CALL,
                content="回访",
                created_at=min(completed + timedelta(days=rng.choice([0, 3, 6, 8]), hours=1), now),
            )
            history.follow_ups.append(follow_up.pk)

    # Pool: releases (some reclaimed by an approved claim afterwards).
    for customer in rng.sample(people, k=min(5, len(people))):
        at = moment(40)
        release = Release.objects.create(
            customer=customer, former_owner_id=owners[0].pk, cause=Release.Cause.MANUAL, reason="test", at=at
        )
        history.releases.append(release.pk)
        if rng.random() < 0.5:
            Claim.objects.create(
                customer=customer,
                applicant=owners[-1],
                reason="mine",
                status=Claim.Status.APPROVED,
                created_at=at + timedelta(hours=1),
                decided_at=at + timedelta(hours=2),
            )

    for back in range(0, days, 3):
        for channel in channels:
            enquiries = rng.randint(0, 20)
            row = DailyEnquiry.objects.create(
                date=local_now.date() - timedelta(days=back),
                channel=channel,
                enquiries=enquiries,
                new_enquiries=rng.randint(0, enquiries),
            )
            history.enquiries.append(row.pk)

    if publish:
        publish_all(history)
    return history


def publish_all(history: History) -> None:
    publish_many(topic="customer", entity_ids=history.customers)
    publish_many(topic="order", entity_ids=history.orders)
    publish_many(topic="payment", entity_ids=history.payments)
    publish_many(topic="follow_up", entity_ids=history.follow_ups)
    publish_many(topic="release", entity_ids=history.releases)
    publish_many(topic="enquiry", entity_ids=history.enquiries)
