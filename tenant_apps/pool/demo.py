"""Demo data of the shared pool: a few past releases, an approved and a rejected claim, and pending
claims waiting for the supervisor (runs after the customers seeder)."""

from __future__ import annotations

from datetime import timedelta

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import DomainError
from tenant_apps.customers.models import Customer
from tenant_apps.pool import services
from tenant_apps.workspace.demo import DemoContext, register_seeder

RELEASE_REASONS = (
    "客户已转向其他供应商",
    "联系不上，暂时放回公海",
    "需求不匹配，留给同事跟进",
)
CLAIM_REASONS = (
    "老客户，之前有过询价",
    "同城客户，方便上门拜访",
    "客户主动来电咨询托盘规格",
    "熟悉该行业，有把握成交",
)


@register_seeder("pool", order=20)
def seed_pool(ctx: DemoContext) -> str | None:
    salespeople = list(ctx.users(StoreRole.SALESPERSON))
    supervisors = list(ctx.users(StoreRole.SUPERVISOR)) or list(ctx.users(StoreRole.ADMIN))
    if not salespeople or not supervisors:
        return None
    supervisor_access = resolve_store_access(user=supervisors[0], store=ctx.store)
    owned = list(Customer.objects.live().filter(owner_id__in=[u.pk for u in salespeople]).order_by("pk")[:200])
    releases = 0
    for index, customer in enumerate(ctx.rng.sample(owned, min(3, len(owned)))):
        owner = next(u for u in salespeople if u.pk == customer.owner_id)
        try:
            services.release_customer(
                customer_id=customer.pk,
                access=resolve_store_access(user=owner, store=ctx.store),
                reason=RELEASE_REASONS[index % len(RELEASE_REASONS)],
                at=ctx.now - timedelta(days=10 - index),
            )
            releases += 1
        except DomainError:
            continue
    pool = list(Customer.objects.in_pool().filter(pool_releases__isnull=True).order_by("pk")[:200])
    ctx.rng.shuffle(pool)
    claims = approved = rejected = 0
    for index, customer in enumerate(pool[:6]):
        # The decided claims are the last salesperson's, so that the first one's inbox starts clean.
        applicant = salespeople[-1] if index < 2 else salespeople[index % len(salespeople)]
        filed_at = ctx.now - timedelta(days=3 if index < 2 else 1, hours=index)
        try:
            claim = services.claim_create(
                customer_id=customer.pk,
                access=resolve_store_access(user=applicant, store=ctx.store),
                reason=CLAIM_REASONS[index % len(CLAIM_REASONS)],
                at=filed_at,
            )
            claims += 1
            if index == 0:
                services.claim_approve(claim_id=claim.pk, access=supervisor_access, at=filed_at + timedelta(hours=2))
                approved += 1
            elif index == 1:
                services.claim_reject(
                    claim_id=claim.pk,
                    access=supervisor_access,
                    reason="客户已有负责人在谈",
                    at=filed_at + timedelta(hours=3),
                )
                rejected += 1
        except DomainError:
            continue
    if not releases and not claims:
        return None
    return f"{releases} releases, {claims} claims ({approved} approved, {rejected} rejected)"
