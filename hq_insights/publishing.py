"""A store publishes its customer intelligence to HQ (job ``hq.insights_publish``, per store, nightly
after the store's scoring; or ``run_job hq.insights_publish --store s``).

Run with the store's schema active: the summary and the buyers' keyed hashes are read through the
store app's ``reporting`` module (which alone sees the raw ids and hashes them with HQ's secret), and
written to the public tables in one transaction, replacing what the store published before. This
is the same pattern as the HQ feed's drain (one store's connection writes public rows), kept to a
nightly job because scores change nightly.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from hq_insights.models import BuyerKey, StoreInsight
from tenant_apps.insights import reporting


def buyer_key() -> bytes:
    """HQ's secret for the buyers' keyed hashes (``HQ_BUYER_KEY``; derived from ``SECRET_KEY`` when unset)."""
    configured = getattr(settings, "HQ_BUYER_KEY", "")
    if configured:
        return configured.encode("utf-8")
    return hashlib.sha256(f"hq-buyer-key:{settings.SECRET_KEY}".encode()).digest()


def _current_store_id() -> int:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == settings.PUBLIC_SCHEMA_NAME:
        raise RuntimeError("a store publishes its insights from its own schema")
    return tenant.pk


def publish_store(*, at: datetime) -> dict:
    store_id = _current_store_id()
    summary = reporting.store_summary(at=at)
    keys = reporting.buyer_keys(key=buyer_key())
    with transaction.atomic():
        StoreInsight.objects.update_or_create(
            store_id=store_id,
            defaults={
                "state": summary.state,
                "scored_at": summary.scored_at,
                "model_kind": summary.model_kind,
                "auc": summary.auc,
                "customers_scored": summary.customers_scored,
                "segments": {k: [n, f"{gmv:.2f}"] for k, (n, gmv) in summary.segments.items()},
                "bands": summary.bands,
                "expected_churners": round(summary.expected_churners, 2),
                "buyers": summary.customers_scored,
                "platform": summary.platform,
                "published_at": at,
            },
        )
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM public.hq_insights_buyerkey WHERE store_id = %s", [store_id])
            copy_sql = "COPY public.hq_insights_buyerkey (store_id, customer_id, digest, gmv) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for key in keys:
                    copy.write_row((store_id, key.customer_id, key.digest, key.gmv))
    return {"state": summary.state, "buyers": summary.customers_scored, "keys": len(keys)}


def forget_buyers(sender=None, *, store, customer_ids, **kwargs) -> int:
    """A store erased these customers' personal data: the keyed hashes it published of their ids
    go at once (the next publication would no longer carry them either)."""
    deleted, _ = BuyerKey.objects.filter(store_id=store.pk, customer_id__in=list(customer_ids)).delete()
    return deleted


__all__ = ["BuyerKey", "buyer_key", "forget_buyers", "publish_store"]
