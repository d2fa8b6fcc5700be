"""What customer intelligence publishes for HQ (the only module of this app that HQ code calls):
frozen dataclasses out, no models.

- ``store_summary()``: the latest scoring run's segment mix, churn-risk totals and model, and the
  store's main channel platform (the platform of most of its order amount over the last year).
- ``buyer_keys(key=...)``: for every scored customer (a buyer: at least one non-cancelled order),
  a keyed hash (HMAC-SHA256 with ``key``, HQ's secret) of each of its normalised ids — the mobile in
  E.164, the WeChat id and the platform chat id, trimmed and lower-cased, each prefixed with its
  kind — with the customer's lifetime order amount. The ids themselves never leave this module;
  without the key a digest cannot be tied back to a number, and the same person has the same
  digests in every store, which is all HQ needs to count buyers who buy from several stores.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum

from tenant_apps.insights.models import CustomerScore, ModelRun
from tenant_apps.insights.segments import BAND_KEYS, SEGMENT_KEYS

VIEWS: tuple[str, ...] = ()

PLATFORM_SQL = """
SELECT ch.platform
FROM sales_reporting_order o
JOIN workspace_reporting_channel ch ON ch.id = o.channel_id
WHERE o.status <> 'cancelled' AND o.signed_at >= %(since)s AND o.signed_at < %(at)s
GROUP BY ch.platform
ORDER BY sum(o.amount) DESC, ch.platform
LIMIT 1
"""
FIRST_CHANNEL_SQL = "SELECT platform FROM workspace_reporting_channel ORDER BY id LIMIT 1"


@dataclass(frozen=True)
class StoreSummary:
    scored_at: datetime | None
    state: str  # scored, empty, not_scored
    model_kind: str
    auc: float | None
    customers_scored: int
    segments: dict[str, tuple[int, Decimal]]  # segment -> (customers, look-back amount)
    bands: dict[str, int]  # band -> customers
    expected_churners: float  # the sum of the probabilities
    platform: str


def main_platform(*, at: datetime) -> str:
    with connection.cursor() as cursor:
        cursor.execute(PLATFORM_SQL, {"since": at - timedelta(days=365), "at": at})
        row = cursor.fetchone()
        if row is None:
            cursor.execute(FIRST_CHANNEL_SQL)
            row = cursor.fetchone()
    return row[0] if row else ""


def store_summary(*, at: datetime) -> StoreSummary:
    run = ModelRun.objects.order_by("-at", "-id").first()
    segments = {key: (0, Decimal("0.00")) for key in SEGMENT_KEYS}
    for row in CustomerScore.objects.order_by().values("segment").annotate(n=Count("pk"), gmv=Sum("monetary")):
        segments[row["segment"]] = (row["n"], row["gmv"] or Decimal("0.00"))
    bands = dict.fromkeys(BAND_KEYS, 0)
    for row in CustomerScore.objects.order_by().values("churn_band").annotate(n=Count("pk")):
        bands[row["churn_band"]] = row["n"]
    expected = CustomerScore.objects.aggregate(total=Sum("churn_probability"))["total"] or 0.0
    if run is None:
        state = "not_scored"
    elif run.kind == ModelRun.Kind.EMPTY:
        state = "empty"
    else:
        state = "scored"
    return StoreSummary(
        scored_at=run.at if run else None,
        state=state,
        model_kind=run.kind if run else "",
        auc=run.auc if run else None,
        customers_scored=sum(n for n, _gmv in segments.values()),
        segments=segments,
        bands=bands,
        expected_churners=float(expected),
        platform=main_platform(at=at),
    )


def normalised_ids(*, mobile: str, wechat_id: str, platform_chat_id: str) -> list[str]:
    """The ids of a customer as they are hashed: kind-prefixed, trimmed, lower-cased; empty ones left out."""
    ids = []
    for kind, value in (("mobile", mobile), ("wechat", wechat_id), ("chat", platform_chat_id)):
        value = (value or "").strip().lower()
        if value:
            ids.append(f"{kind}:{value}")
    return ids


def digest(value: str, *, key: bytes) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class BuyerKey:
    customer_id: int
    digest: str
    gmv: Decimal


def buyer_keys(*, key: bytes) -> list[BuyerKey]:
    rows = CustomerScore.objects.values_list(
        "customer_id",
        "lifetime_amount",
        "customer__mobile_normalized",
        "customer__wechat_id",
        "customer__platform_chat_id",
    ).order_by("customer_id")
    keys = []
    for customer_id, gmv, mobile, wechat_id, chat_id in rows.iterator(chunk_size=5000):
        for value in normalised_ids(mobile=mobile, wechat_id=wechat_id, platform_chat_id=chat_id):
            keys.append(BuyerKey(customer_id=customer_id, digest=digest(value, key=key), gmv=gmv))
    return keys


def buyer_count() -> int:
    return CustomerScore.objects.count()
