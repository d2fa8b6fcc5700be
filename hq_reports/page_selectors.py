"""Reads of the HQ console pages (public schema only; no store schema is touched)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tenants.models import Store, Subsidiary


def console_store_list(*, subsidiary_id: int | None = None, status: str | None = None, q: str = "") -> QuerySet[Store]:
    """Real stores for the console table, optionally filtered by subsidiary, status and a search term."""
    stores = Store.objects.stores().select_related("subsidiary").order_by("name", "pk")
    if subsidiary_id is not None:
        stores = stores.filter(subsidiary_id=subsidiary_id)
    if status:
        stores = stores.filter(status=status)
    q = (q or "").strip()
    if q:
        stores = stores.filter(Q(name__icontains=q) | Q(subdomain__icontains=q))
    return stores


def console_subsidiary_choices() -> QuerySet[Subsidiary]:
    return Subsidiary.objects.order_by("name", "pk")


def console_store_counts() -> dict[str, int]:
    """How many real stores there are in each status, and in all."""
    counts = {status: 0 for status in Store.Status.values}
    for row in Store.objects.stores().order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts
