"""What customer intelligence holds about a person (shared_apps.platform.personal_data): their
score (RFM and churn risk). Nothing in it identifies the person once the profile is erased."""

from __future__ import annotations

from shared_apps.platform import personal_data
from tenant_apps.insights.models import CustomerScore


def _export(customer_ids: tuple[int, ...]) -> dict:
    return {
        "scores": list(
            CustomerScore.objects.filter(customer_id__in=customer_ids)
            .order_by("customer_id")
            .values(
                "customer_id",
                "recency_days",
                "frequency",
                "monetary",
                "segment",
                "churn_probability",
                "churn_band",
                "churn_reasons",
                "last_order_at",
                "orders_total",
                "lifetime_amount",
            )
        )
    }


def register() -> None:
    personal_data.register("insights", exporter=_export)
