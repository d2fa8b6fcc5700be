"""Random store histories for the property tests of the reporting figures.

A history is plain data (``StoreHistory``): customers with their pool ownership timeline, orders
with lines, payments, completion and rating, follow-ups and daily enquiries, every time an aware
instant at or before "now". ``histories`` draws one with hypothesis (times cluster on the store's
local midnights); ``write_history`` writes it into the active store schema directly, as the
services would leave the rows; ``tests.reporting.reference`` computes metrics.md from the same data.

People are indices into the store's salespeople, customers and products indices into the
history's lists, channels platform codes (each test store has one channel per platform).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CHANNELS = (None, "tmall", "jd")
RELEASE, CLAIM = "release", "claim"
COLLECTION, SUPPLEMENT, REFUND = "collection", "supplement", "refund"
CANCELLED, PENDING, COMPLETED = "cancelled", "pending_outbound", "completed"
CREDIT, PREPAID = "credit", "prepaid"
PRODUCTS = 3
# Pool events happen at :30 seconds, never on a period boundary (whole minutes): metrics.md does
# not say whether a customer released or claimed exactly at ``start`` was owned at ``start``.
POOL_SECONDS = 30
_runs = itertools.count(1)


@dataclass(frozen=True)
class PoolStep:
    kind: str  # RELEASE (by the current owner) or CLAIM (approved, by ``who``)
    at: datetime
    who: int


@dataclass(frozen=True)
class CustomerSpec:
    created_at: datetime
    channel: str | None
    first_owner: int | None
    steps: tuple[PoolStep, ...] = ()

    @property
    def owner(self) -> int | None:
        """The owner now (after the last step)."""
        owner = self.first_owner
        for step in self.steps:
            owner = step.who if step.kind == CLAIM else None
        return owner

    @property
    def owner_since(self) -> datetime | None:
        if self.owner is None:
            return None
        claims = [s.at for s in self.steps if s.kind == CLAIM]
        return claims[-1] if claims else self.created_at

    def owner_at(self, at: datetime) -> int | None:
        """Who owned the customer at the instant ``at`` (None: not created yet, or in the pool)."""
        if at < self.created_at:
            return None
        owner = self.first_owner
        for step in self.steps:
            if step.at <= at:
                owner = step.who if step.kind == CLAIM else None
        return owner

    def releases(self) -> list[tuple[datetime, int]]:
        """``(at, former owner)`` of each release."""
        out, owner = [], self.first_owner
        for step in self.steps:
            if step.kind == RELEASE:
                out.append((step.at, owner))
            owner = step.who if step.kind == CLAIM else None
        return out


@dataclass(frozen=True)
class PaymentSpec:
    kind: str
    amount: Decimal
    confirmed_at: datetime | None  # None: pending

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == REFUND else self.amount


@dataclass(frozen=True)
class OrderSpec:
    customer: int
    owner: int
    signed_at: datetime
    lines: tuple[tuple[int, int, Decimal, Decimal | None], ...]  # (product, quantity, unit price, unit cost)
    channel: str | None
    status: str
    completed_at: datetime | None
    rating: int | None
    payment_mode: str
    due_date: date | None
    payments: tuple[PaymentSpec, ...] = ()

    @property
    def amount(self) -> Decimal:
        return sum((q * price for _p, q, price, _cost in self.lines), ZERO)

    @property
    def cost(self) -> Decimal:
        """The lines' cost, those without a cost at 0 (metrics.md, "Gross profit")."""
        return sum((q * cost for _p, q, _price, cost in self.lines if cost is not None), ZERO)

    @property
    def lines_without_cost(self) -> int:
        return sum(1 for line in self.lines if line[3] is None)

    def confirmed(self, kind: str) -> list[PaymentSpec]:
        return [p for p in self.payments if p.kind == kind and p.confirmed_at is not None]

    @property
    def collected(self) -> Decimal:
        return sum((p.amount for p in self.confirmed(COLLECTION)), ZERO)

    @property
    def fully_collected_at(self) -> datetime | None:
        total = ZERO
        for payment in sorted(self.confirmed(COLLECTION), key=lambda p: p.confirmed_at):
            total += payment.amount
            if total == self.amount:
                return payment.confirmed_at
        return None


@dataclass(frozen=True)
class FollowUpSpec:
    customer: int
    at: datetime


@dataclass(frozen=True)
class EnquirySpec:
    day: date
    channel: str
    enquiries: int
    new_enquiries: int


@dataclass(frozen=True)
class StoreHistory:
    zone: str
    customers: tuple[CustomerSpec, ...] = ()
    orders: tuple[OrderSpec, ...] = ()
    follow_ups: tuple[FollowUpSpec, ...] = ()
    enquiries: tuple[EnquirySpec, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


@dataclass(frozen=True)
class Limits:
    customers: int = 12
    orders: int = 20
    days: int = 70


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

# Minutes of the local day, the edges of the day more often than the rest.
MINUTES = st.one_of(st.sampled_from([0, 1, 1439]), st.integers(0, 1439))
# Gaps after an event, in minutes: none, a minute, around a day and a week, or anything in 20 days.
GAPS = st.one_of(st.sampled_from([0, 1, 1439, 1440, 10079, 10080, 10081]), st.integers(0, 20 * 1440))


@st.composite
def moments(draw, now: datetime, tz: ZoneInfo, days: int) -> datetime:
    """An instant of one of the last ``days`` local days (up to ``now``), often at a local midnight."""
    day = now.astimezone(tz).date() - timedelta(days=draw(st.integers(0, days)))
    at = datetime.combine(day, time.min, tzinfo=tz) + timedelta(minutes=draw(MINUTES))
    return min(at, now)


def _cents(low: int, high: int):
    return st.integers(low, high).map(lambda n: Decimal(n) / 100)


@st.composite
def customer_specs(draw, now: datetime, tz: ZoneInfo, people: int, days: int) -> CustomerSpec:
    created = draw(moments(now, tz, days))
    owner = draw(st.one_of(st.none(), st.integers(0, people - 1)))
    steps, at, owned = [], created.replace(second=POOL_SECONDS), owner is not None
    for _ in range(draw(st.integers(0, 3))):
        at += timedelta(minutes=draw(GAPS) + 1)
        if at > now:
            break
        who = draw(st.integers(0, people - 1))
        steps.append(PoolStep(RELEASE if owned else CLAIM, at, who))
        owned = not owned
    return CustomerSpec(
        created_at=created, channel=draw(st.sampled_from(CHANNELS)), first_owner=owner, steps=tuple(steps)
    )


@st.composite
def payment_specs(draw, now: datetime, signed: datetime, amount: Decimal, cancelled: bool) -> tuple[PaymentSpec, ...]:
    """Collections (some pending) within the amount, maybe a supplement and a refund within what
    was received; a cancelled order at most collected in full and refunded in full."""

    def later(after: datetime) -> datetime | None:
        at = after + timedelta(minutes=draw(GAPS))
        return at if at <= now else None

    if cancelled:
        if not draw(st.booleans()):
            return ()
        paid = later(signed)
        refunded = paid and later(paid)
        if refunded is None:
            return (PaymentSpec(COLLECTION, amount, None),)
        return PaymentSpec(COLLECTION, amount, paid), PaymentSpec(REFUND, amount, refunded)
    payments, at, left = [], signed, amount
    for percent in draw(st.lists(st.integers(1, 100), max_size=2)):
        part = (left * percent / 100).quantize(CENT, rounding=ROUND_DOWN)
        if part <= 0:
            continue
        confirmed = later(at) if draw(st.integers(0, 3)) else None  # one in four stays pending
        payments.append(PaymentSpec(COLLECTION, part, confirmed))
        at, left = confirmed or at, left - part
    received = sum((p.amount for p in payments if p.confirmed_at is not None), ZERO)
    if draw(st.booleans()):
        supplement = draw(_cents(1, 5000))
        confirmed = later(signed)
        if confirmed is not None:
            payments.append(PaymentSpec(SUPPLEMENT, supplement, confirmed))
            received += supplement
            at = max(at, confirmed)
    percent = draw(st.integers(0, 100))
    refund = (received * percent / 100).quantize(CENT, rounding=ROUND_DOWN)
    refunded = later(at) if refund > 0 else None
    if refunded is not None:
        payments.append(PaymentSpec(REFUND, refund, refunded))
    return tuple(payments)


@st.composite
def order_specs(draw, now: datetime, tz: ZoneInfo, customers: int, people: int, days: int) -> OrderSpec:
    signed = draw(moments(now, tz, days))
    lines = draw(
        st.lists(
            st.tuples(
                st.integers(0, PRODUCTS - 1),
                st.integers(1, 5),
                _cents(1, 99999),
                st.one_of(st.none(), _cents(0, 99999)),
            ),
            min_size=1,
            max_size=3,
        )
    )
    amount = sum((q * price for _p, q, price, _cost in lines), ZERO)
    status = draw(st.sampled_from([PENDING, COMPLETED, COMPLETED, CANCELLED]))
    completed_at = rating = None
    if status == COMPLETED:
        completed_at = min(signed + timedelta(minutes=draw(GAPS)), now)
        rating = draw(st.one_of(st.none(), st.integers(1, 5)))
    mode = draw(st.sampled_from([CREDIT, PREPAID]))
    due = signed.astimezone(tz).date() + timedelta(days=draw(st.integers(0, 30))) if mode == CREDIT else None
    return OrderSpec(
        customer=draw(st.integers(0, customers - 1)),
        owner=draw(st.integers(0, people - 1)),
        signed_at=signed,
        lines=tuple(lines),
        channel=draw(st.sampled_from(CHANNELS)),
        status=status,
        completed_at=completed_at,
        rating=rating,
        payment_mode=mode,
        due_date=due,
        payments=draw(payment_specs(now, signed, amount, status == CANCELLED)),
    )


@st.composite
def histories(draw, now: datetime, zones: tuple[str, ...], people: int, limits: Limits = Limits()) -> StoreHistory:
    """A store history in one of ``zones`` up to ``now``, with ``people`` salespeople."""
    zone = draw(st.sampled_from(zones))
    tz = ZoneInfo(zone)
    customers = draw(st.lists(customer_specs(now, tz, people, limits.days), min_size=1, max_size=limits.customers))
    orders = draw(
        st.lists(order_specs(now, tz, len(customers), people, limits.days), min_size=1, max_size=limits.orders)
    )
    follow_ups = []
    # Return visits around the end of each completed order's window, and follow-ups at any time.
    for order in orders:
        if order.completed_at is not None and draw(st.booleans()):
            at = order.completed_at + timedelta(minutes=draw(GAPS))
            if at <= now:
                follow_ups.append(FollowUpSpec(order.customer, at))
    follow_ups += draw(
        st.lists(st.builds(FollowUpSpec, st.integers(0, len(customers) - 1), moments(now, tz, limits.days)), max_size=3)
    )
    today = now.astimezone(tz).date()
    enquiries = [
        EnquirySpec(today - timedelta(days=back), channel, new + more, new)
        for (back, channel), new, more in draw(
            st.lists(
                st.tuples(
                    st.tuples(st.integers(0, limits.days), st.sampled_from(CHANNELS[1:])),
                    st.integers(0, 20),
                    st.integers(0, 5),
                ),
                max_size=6,
                unique_by=lambda row: row[0],
            )
        )
    ]
    return StoreHistory(
        zone=zone,
        customers=tuple(customers),
        orders=tuple(orders),
        follow_ups=tuple(follow_ups),
        enquiries=tuple(enquiries),
    )


# ---------------------------------------------------------------------------------------------
# Writing a history into the active store schema
# ---------------------------------------------------------------------------------------------


def write_history(history: StoreHistory, *, people: list) -> None:
    """Write ``history`` into the active store schema (``people``: the store's salespeople), a
    statement per table, with the rows as ``tests.factories.sales`` makes them."""
    from tenant_apps.customers.models import Customer, FollowUp
    from tenant_apps.enquiries.models import DailyEnquiry
    from tenant_apps.finance.models import Payment
    from tenant_apps.pool.models import Claim, Release
    from tenant_apps.sales.models import Order, OrderLine, Product
    from tenant_apps.workspace.selectors import channel_list

    run = next(_runs)
    channels = {c.platform: c for c in channel_list()}
    products = Product.objects.bulk_create(
        Product(sku=f"PROP-{run}-{i}", name=f"Product {i}", list_price=Decimal("100.00")) for i in range(PRODUCTS)
    )

    customers = Customer.objects.bulk_create(
        Customer(
            name=f"Customer {run}-{i}",
            owner=people[spec.owner] if spec.owner is not None else None,
            owner_since=spec.owner_since,
            channel=channels.get(spec.channel),
        )
        for i, spec in enumerate(history.customers)
    )
    for customer, spec in zip(customers, history.customers, strict=True):
        customer.created_at = spec.created_at  # auto_now_add set it to now on insert
    Customer.objects.bulk_update(customers, ["created_at"])
    Release.objects.bulk_create(
        Release(customer=customer, former_owner=people[former], cause=Release.Cause.MANUAL, reason="test", at=at)
        for customer, spec in zip(customers, history.customers, strict=True)
        for at, former in spec.releases()
    )
    Claim.objects.bulk_create(
        Claim(
            customer=customer,
            applicant=people[step.who],
            reason="mine",
            status=Claim.Status.APPROVED,
            created_at=step.at,
            decided_at=step.at,
        )
        for customer, spec in zip(customers, history.customers, strict=True)
        for step in spec.steps
        if step.kind == CLAIM
    )

    def list_amount(spec: OrderSpec) -> Decimal:
        return sum((q * products[p].list_price for p, q, _price, _cost in spec.lines), ZERO)

    orders = Order.objects.bulk_create(
        Order(
            number=f"PROP{run:06d}{i:03d}",
            customer=customers[spec.customer],
            owner=people[spec.owner],
            channel=channels.get(spec.channel),
            payment_mode=spec.payment_mode,
            due_date=spec.due_date,
            status=spec.status,
            amount=spec.amount,
            cost=spec.cost,
            lines_without_cost=spec.lines_without_cost,
            list_amount=list_amount(spec),
            discount_rate=(spec.amount / list_amount(spec)).quantize(Decimal("0.0001")),
            collected=spec.collected,
            supplemented=sum((p.amount for p in spec.confirmed(SUPPLEMENT)), ZERO),
            refunded=sum((p.amount for p in spec.confirmed(REFUND)), ZERO),
            fully_collected_at=spec.fully_collected_at,
            signed_at=spec.signed_at,
            completed_at=spec.completed_at,
            cancelled_at=spec.signed_at if spec.status == CANCELLED else None,
            rating=spec.rating,
        )
        for i, spec in enumerate(history.orders)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=n,
            product=products[p],
            sku=products[p].sku,
            product_name=products[p].name,
            unit=products[p].unit,
            quantity=q,
            unit_price=price,
            list_price=products[p].list_price,
            amount=q * price,
            unit_cost=cost,
        )
        for order, spec in zip(orders, history.orders, strict=True)
        for n, (p, q, price, cost) in enumerate(spec.lines)
    )
    Payment.objects.bulk_create(
        Payment(
            order=order,
            kind=p.kind,
            amount=p.amount,
            method=Payment.Method.BANK_TRANSFER,
            status=Payment.Status.CONFIRMED if p.confirmed_at else Payment.Status.PENDING,
            confirmed_at=p.confirmed_at,
        )
        for order, spec in zip(orders, history.orders, strict=True)
        for p in spec.payments
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            customer=customers[f.customer],
            author=people[0],
            kind=FollowUp.Kind.CALL,
            content="回访",
            created_at=f.at,
        )
        for f in history.follow_ups
    )
    DailyEnquiry.objects.bulk_create(
        DailyEnquiry(date=e.day, channel=channels[e.channel], enquiries=e.enquiries, new_enquiries=e.new_enquiries)
        for e in history.enquiries
    )
