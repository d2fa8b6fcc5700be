"""Demo data of customer intelligence: the demo store is scored once its orders exist, so that the
segments, the at-risk list and the panels show figures from the first visit."""

from __future__ import annotations

from tenant_apps.insights import services
from tenant_apps.workspace.demo import DemoContext, register_seeder


@register_seeder("insights", order=80)
def seed_insights(ctx: DemoContext) -> str:
    run = services.score_store(at=ctx.now)
    return f"{run.customers_scored} customers scored"
