"""The global search of the top bar: customers, orders and quotations by number, name or mobile.

Each section reads through its own module's list selector, so the caller sees exactly what the
list pages and list APIs show them (a salesperson their own customers and the pool, their own
orders and quotations); a section the caller may not open is left out. A phone-like term also
finds the orders and quotations of the customers whose mobile it matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import reverse

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.phone_display import phone_display
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.sales import selectors as sales_selectors

LIMIT = 8
Q_MAX = 100
PHONE_LIKE = re.compile(r"[\d\s\-+()]{3,}")


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    subtitle: str
    url: str


def _phone_like(q: str) -> bool:
    return bool(PHONE_LIKE.fullmatch(q)) and len(re.sub(r"\D", "", q)) >= 3


def _customers(access: StoreAccess, q: str) -> tuple[list, list[int]]:
    qs = customer_selectors.customer_list(access=access, filters={"q": q, "ordering": "name"})
    rows = list(qs[:LIMIT])
    hits = [
        Hit(
            kind="customer",
            id=c.pk,
            title=c.name,
            subtitle=" · ".join(part for part in (c.company, phone_display(c.mobile) if c.mobile else "") if part),
            url=reverse("customers:detail", args=[c.pk]),
        )
        for c in rows
    ]
    ids = [c.pk for c in rows] if _phone_like(q) else []
    return hits, ids


def _records(*, found, base, customer_ids: list[int], kind: str, url_name: str) -> list[Hit]:
    """Records matched by number or customer name, then those of the customers matched by mobile."""
    rows = list(found[:LIMIT])
    if customer_ids and len(rows) < LIMIT:
        seen = {row.pk for row in rows}
        rows += [row for row in base.filter(customer_id__in=customer_ids)[:LIMIT] if row.pk not in seen]
    return [
        Hit(kind=kind, id=row.pk, title=row.number, subtitle=row.customer.name, url=reverse(url_name, args=[row.pk]))
        for row in rows[:LIMIT]
    ]


def global_search(*, access: StoreAccess, q: str) -> dict[str, list[Hit]]:
    """Up to ``LIMIT`` hits per section the caller may open: ``customers``, ``orders``, ``quotations``."""
    q = (q or "").strip()[:Q_MAX]
    results: dict[str, list[Hit]] = {}
    if not q:
        return results
    customer_ids: list[int] = []
    if access.can("customers.view"):
        results["customers"], customer_ids = _customers(access, q)
    if access.can("orders.view"):
        results["orders"] = _records(
            found=sales_selectors.order_list(access=access, filters={"q": q}),
            base=sales_selectors.order_list(access=access),
            customer_ids=customer_ids,
            kind="order",
            url_name="sales:order-detail",
        )
    if access.can("quotations.view"):
        results["quotations"] = _records(
            found=sales_selectors.quotation_list(access=access, filters={"q": q}),
            base=sales_selectors.quotation_list(access=access),
            customer_ids=customer_ids,
            kind="quotation",
            url_name="sales:quotation-detail",
        )
    return results
