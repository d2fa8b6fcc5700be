"""Generated store data for figure tests, and a reference computation of every figure written from
metrics.md in plain Python over the generated rows (never through the SQL under test)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tenant_apps.customers.models import Customer, FollowUp
from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry
from tenant_apps.finance.models import Payment
from tenant_apps.pool.models import Claim, Release
from tenant_apps.sales.models import Order
from tenant_apps.workspace.models import Channel
from tests.factories.sales import make_category, make_customer, make_order, make_product

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 15, 10, 20, tzinfo=TZ)
ORIGIN = datetime(2025, 12, 1, tzinfo=TZ)
PROVINCES = ["广东", "浙江", "江苏", "", "上海"]
DEVICES = ["pc", "mobile", "app", "unknown"]


@dataclass
class Data:
    channels: list
    owners: list
    customers: dict = field(default_factory=dict)  # id -> dict
    orders: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    followups: list = field(default_factory=list)
    releases: list = field(default_factory=list)
    enquiries: list = field(default_factory=list)
    contacts: list = field(default_factory=list)


def _at(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = int((end - start).total_seconds())
    return (start + timedelta(seconds=rng.randrange(seconds))).replace(microsecond=0)


def generate(users, *, seed: int = 7, customers: int = 36, orders: int = 140) -> Data:
    """Rows written into the active store schema, mirrored in plain dicts."""
    rng = random.Random(seed)
    channels = list(Channel.objects.order_by("pk"))
    owners = [users.a_sales, users.a_sales2, users.a_supervisor]
    data = Data(channels=channels, owners=owners)
    cats = [make_category(f"Cat {i}") for i in range(3)]
    products = [make_product(category=cats[i % 3], list_price="100.00") for i in range(6)]
    uncategorised = make_product(list_price="50.00")
    products.append(uncategorised)

    for _i in range(customers):
        created = _at(rng, ORIGIN, NOW)
        channel = rng.choice([*channels, None])
        owner = rng.choice([*owners, None])
        province = rng.choice(PROVINCES)
        c = make_customer(owner=owner, channel=channel, province=province)
        owner_since = None
        if owner is not None:
            owner_since = created if rng.random() < 0.6 else _at(rng, created, NOW)
        Customer.objects.filter(pk=c.pk).update(created_at=created, owner_since=owner_since)
        data.customers[c.pk] = {
            "id": c.pk,
            "created_at": created,
            "channel": channel.pk if channel else None,
            "owner": owner.pk if owner else None,
            "owner_since": owner_since,
            "province": province,
            "merged": False,
            "obj": c,
        }
    # One merged customer: never counted as a customer.
    merged_into = next(iter(data.customers.values()))["obj"]
    victim = make_customer(name="Merged", channel=channels[0], owner=owners[0], province="广东")
    Customer.objects.filter(pk=victim.pk).update(created_at=NOW - timedelta(days=3), merged_into=merged_into)

    ids = list(data.customers)
    for _ in range(orders):
        cid = rng.choice(ids)
        customer = data.customers[cid]
        signed = _at(rng, max(ORIGIN, customer["created_at"] - timedelta(days=2)), NOW)
        status = rng.choice(["pending_outbound", "completed", "completed", "cancelled", "pending_receipt"])
        lines = [(rng.choice(products), rng.randint(1, 4), Decimal(rng.choice(["80.00", "95.50", "120.00"])))]
        if rng.random() < 0.4:
            lines.append((rng.choice(products), rng.randint(1, 3), Decimal("33.33")))
        completed = None
        rating = None
        if status == "completed":
            completed = min(signed + timedelta(hours=rng.randint(2, 24 * 12)), NOW)
            rating = rng.choice([None, 1, 2, 3, 4, 5, 5])
        mode = rng.choice(["prepaid", "credit"])
        due = (signed + timedelta(days=rng.randint(0, 40))).astimezone(TZ).date() if mode == "credit" else None
        device = rng.choice(DEVICES)
        channel_obj = rng.choice(channels)
        owner = rng.choice(owners)
        # Costs without drawing: 60 % of the price on the first line unless it is sold at 95.50 (no cost
        # known), none on the second.
        lines = [
            (
                p,
                q,
                price,
                (price * Decimal("0.6")).quantize(Decimal("0.01")) if n == 0 and price != Decimal("95.50") else None,
            )
            for n, (p, q, price) in enumerate(lines)
        ]
        order = make_order(
            customer=customer["obj"],
            owner=owner,
            lines=lines,
            signed_at=signed,
            status=status,
            payment_mode=mode,
            due_date=due,
            channel=channel_obj,
            device=device,
            completed_at=completed,
            cancelled_at=signed + timedelta(hours=1) if status == "cancelled" else None,
            rating=rating,
        )
        row = {
            "id": order.pk,
            "customer": cid,
            "owner": owner.pk,
            "channel": channel_obj.pk,
            "status": status,
            "amount": order.amount,
            "signed_at": signed,
            "completed_at": completed,
            "rating": rating,
            "device": device,
            "payment_mode": mode,
            "due_date": due,
            "lines": [
                (p.sku, p.name, p.category.name if p.category_id else "", q, q * price) for p, q, price, _c in lines
            ],
            "cost": sum((q * c for _p, q, _price, c in lines if c is not None), Decimal("0.00")),
            "lines_without_cost": sum(1 for line in lines if line[3] is None),
        }
        data.orders.append(row)
        # Payments: some collections (confirmed/pending), sometimes a supplement and a refund.
        collected = Decimal("0.00")
        fully_at = None
        if status != "cancelled" and rng.random() < 0.7:
            parts = [order.amount] if rng.random() < 0.5 else [(order.amount / 2).quantize(Decimal("0.01"))]
            for part in parts:
                confirmed = rng.random() < 0.85
                at = min(signed + timedelta(hours=rng.randint(1, 24 * 20)), NOW)
                data.payments.append(_pay(order, "collection", part, confirmed, at))
                if confirmed:
                    collected += part
                    if collected == order.amount:
                        fully_at = at
            if collected and rng.random() < 0.3:
                at = min(signed + timedelta(days=rng.randint(1, 20)), NOW)
                data.payments.append(_pay(order, "supplement", Decimal("10.00"), True, at))
                data.payments.append(_pay(order, "refund", Decimal("5.50"), True, at + timedelta(hours=1)))
        Order.objects.filter(pk=order.pk).update(collected=collected, fully_collected_at=fully_at)
        row["collected"] = collected

    for cid in ids:
        for _ in range(rng.randint(0, 3)):
            at = _at(rng, data.customers[cid]["created_at"], NOW)
            FollowUp.objects.create(customer_id=cid, author=owners[0], kind="call", content="x", created_at=at)
            data.followups.append({"customer": cid, "at": at})

    _releases(rng, data)

    day = ORIGIN.date()
    while day <= NOW.date():
        for channel in channels:
            if rng.random() < 0.8:
                total = rng.randint(0, 30)
                new = rng.randint(0, total)
                DailyEnquiry.objects.create(date=day, channel=channel, enquiries=total, new_enquiries=new)
                data.enquiries.append({"date": day, "channel": channel.pk, "enquiries": total, "new": new})
        for owner in owners[:2]:
            if rng.random() < 0.7:
                wechat, phone = rng.randint(0, 9), rng.randint(0, 9)
                ContactRecord.objects.create(date=day, user=owner, wechat_added=wechat, phone_contacts=phone)
                data.contacts.append({"date": day, "user": owner.pk, "wechat": wechat, "phone": phone})
        day += timedelta(days=1)
    return data


def _pay(order, kind, amount, confirmed, at) -> dict:
    Payment.objects.create(
        order=order,
        kind=kind,
        amount=amount,
        method="bank_transfer",
        status="confirmed" if confirmed else "pending",
        confirmed_at=at if confirmed else None,
    )
    return {"order": order.pk, "kind": kind, "amount": amount, "confirmed": confirmed, "at": at}


def _releases(rng: random.Random, data: Data) -> None:
    """Pool history with a known truth of who was owned when: releases of customers owned since
    their creation, and customers claimed from the pool (then possibly released again)."""
    for cid, c in data.customers.items():
        if c["owner"] is not None or rng.random() < 0.4:
            continue
        # In the pool now: owned by a salesperson from creation until a release.
        former = rng.choice(data.owners)
        released = _at(rng, c["created_at"], NOW)
        claimed = None
        if rng.random() < 0.35:
            # Was in the pool first, claimed, then released again.
            Release.objects.create(customer_id=cid, former_owner=former, cause="manual", at=c["created_at"])
            claimed = _at(rng, c["created_at"], released)
            Claim.objects.create(
                customer_id=cid, applicant=former, reason="r", status="approved", created_at=claimed, decided_at=claimed
            )
            data.releases.append({"customer": cid, "former_owner": former.pk, "at": c["created_at"]})
        Release.objects.create(customer_id=cid, former_owner=former, cause="idle", at=released)
        data.releases.append({"customer": cid, "former_owner": former.pk, "at": released})
        # Ownership intervals: [owned_from, released)
        owned_from = claimed if claimed is not None else c["created_at"]
        c["history"] = [(owned_from, released, former.pk)]
    for c in data.customers.values():
        if c["owner"] is not None:
            c.setdefault("history", []).append((c["owner_since"], None, c["owner"]))


# ---------------------------------------------------------------------------------------------
# Reference figures (metrics.md, in plain Python)
# ---------------------------------------------------------------------------------------------


def local_days(start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(TZ).date()
    last = (end - timedelta(microseconds=1)).astimezone(TZ).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def ratio(num, den):
    return None if not den else round(float(Decimal(num) / Decimal(den)), 6)


def reference(data: Data, start: datetime, end: datetime, *, now: datetime = NOW, channel=None, salesperson=None):
    def order_ok(o):
        return (channel is None or o["channel"] == channel) and (salesperson is None or o["owner"] == salesperson)

    def customer_ok(c):
        return (channel is None or c["channel"] == channel) and (salesperson is None or c["owner"] == salesperson)

    live = [o for o in data.orders if o["status"] != "cancelled"]
    counted = [o for o in live if start <= o["signed_at"] < end and order_ok(o)]
    gmv = sum((o["amount"] for o in counted), Decimal("0.00"))
    cost = sum((o["cost"] for o in counted), Decimal("0.00"))
    paying = {o["customer"] for o in counted}
    repeat = {c for c in paying if sum(1 for o in live if o["customer"] == c and o["signed_at"] < end) >= 2}
    new_customers = [
        c for c in data.customers.values() if start <= c["created_at"] < end and not c["merged"] and customer_ok(c)
    ]
    converted = [
        c for c in new_customers if any(o["customer"] == c["id"] and start <= o["signed_at"] < end for o in live)
    ]
    days = set(local_days(start, end))
    new_enquiries = sum(
        e["new"] for e in data.enquiries if e["date"] in days and (channel is None or e["channel"] == channel)
    )
    completed = [o for o in live if o["completed_at"] and start <= o["completed_at"] < end and order_ok(o)]
    rated = [o for o in completed if o["rating"] is not None]
    positive = [o for o in rated if o["rating"] >= 4]
    visited = [
        o
        for o in completed
        if any(
            f["customer"] == o["customer"] and o["completed_at"] <= f["at"] < o["completed_at"] + timedelta(days=7)
            for f in data.followups
        )
    ]

    def cust_channel_ok(cid):
        return channel is None or data.customers[cid]["channel"] == channel

    released = {
        r["customer"]
        for r in data.releases
        if start <= r["at"] < end
        and (salesperson is None or r["former_owner"] == salesperson)
        and cust_channel_ok(r["customer"])
    }
    owned_at_start = [
        c
        for c in data.customers.values()
        if cust_channel_ok(c["id"])
        and any(
            lo <= start and (hi is None or start < hi) and (salesperson is None or who == salesperson)
            for lo, hi, who in c.get("history", [])
        )
    ]
    order_of = {o["id"]: o for o in data.orders}
    confirmed = [p for p in data.payments if p["confirmed"] and order_ok(order_of[p["order"]])]
    net = sum(
        ((-p["amount"] if p["kind"] == "refund" else p["amount"]) for p in confirmed if start <= p["at"] < end),
        Decimal("0.00"),
    )
    as_of = min(end, now)
    overdue = Decimal("0.00")
    for o in live:
        if o["payment_mode"] != "credit" or not order_ok(o) or o["signed_at"] >= as_of:
            continue
        if o["due_date"] >= as_of.astimezone(TZ).date():
            continue
        paid = sum(
            (p["amount"] for p in confirmed if p["order"] == o["id"] and p["kind"] == "collection" and p["at"] < as_of),
            Decimal("0.00"),
        )
        overdue += o["amount"] - paid
    return {
        "gmv": gmv,
        "orders": len(counted),
        "aov": (gmv / len(counted)).quantize(Decimal("0.01")) if counted else None,
        "paying_customers": len(paying),
        "repurchase_rate": ratio(len(repeat), len(paying)),
        "new_customers": len(new_customers),
        "entry_rate": ratio(len(new_customers), new_enquiries),
        "conversion_rate": ratio(len(converted), len(new_customers)),
        "positive_feedback_rate": ratio(len(positive), len(rated)),
        "return_visit_rate": ratio(len(visited), len(completed)),
        "lost_rate": ratio(len(released), len(owned_at_start)),
        "net_revenue": net,
        "receivable_overdue": overdue,
        "gross_profit": gmv - cost,
        "gross_margin": ratio(gmv - cost, gmv),
        "lines_without_cost": sum(o["lines_without_cost"] for o in counted),
        "_counted": counted,
    }


def reference_analysis(data: Data, start: datetime, end: datetime, *, channel=None, salesperson=None, limit=10):
    ref = reference(data, start, end, channel=channel, salesperson=salesperson)
    counted = ref["_counted"]
    products: dict = {}
    categories: dict = {}
    for o in counted:
        for sku, name, cat, qty, amount in o["lines"]:
            for table, key, label in ((products, sku, name), (categories, cat, cat)):
                row = table.setdefault(key, {"name": label, "amount": Decimal("0"), "quantity": 0, "orders": set()})
                row["amount"] += amount
                row["quantity"] += qty
                row["orders"].add(o["id"])

    def ranked(table, key_name):
        rows = [
            {
                key_name: k,
                "name": v["name"],
                "amount": str(v["amount"].quantize(Decimal("0.01"))),
                "quantity": v["quantity"],
                "orders": len(v["orders"]),
            }
            for k, v in table.items()
        ]
        rows.sort(key=lambda r: (-Decimal(r["amount"]), r[key_name]))
        return rows[:limit]

    live = [o for o in data.orders if o["status"] != "cancelled"]
    mix = {"new": {"count": 0, "gmv": Decimal("0.00")}, "returning": {"count": 0, "gmv": Decimal("0.00")}}
    for cid in {o["customer"] for o in counted}:
        first = min(o["signed_at"] for o in live if o["customer"] == cid)
        side = "new" if first >= start else "returning"
        mix[side]["count"] += 1
        mix[side]["gmv"] += sum(o["amount"] for o in counted if o["customer"] == cid)
    trend: dict = {}
    geo: dict = {}
    dev = {d: [Decimal("0.00"), 0] for d in DEVICES}
    for o in counted:
        local = o["signed_at"].astimezone(TZ)
        key = local.date().isoformat()
        trend.setdefault(key, [Decimal("0.00"), 0])
        trend[key][0] += o["amount"]
        trend[key][1] += 1
        province = data.customers[o["customer"]]["province"]
        geo.setdefault(province, [Decimal("0.00"), 0])
        geo[province][0] += o["amount"]
        geo[province][1] += 1
        dev[o["device"]][0] += o["amount"]
        dev[o["device"]][1] += 1
    return {
        "product_ranking": ranked(products, "sku"),
        "category_ranking": ranked(categories, "category"),
        "customer_mix": {k: {"count": v["count"], "gmv": str(v["gmv"])} for k, v in mix.items()},
        "trend": {k: (str(v[0]), v[1]) for k, v in trend.items()},
        "geography": {k: (str(v[0]), v[1]) for k, v in geo.items()},
        "devices": [{"device": d, "gmv": str(v[0]), "orders": v[1]} for d, v in dev.items()],
    }


def to_api(key: str, value):
    """A reference value written as the API writes it."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return value


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
