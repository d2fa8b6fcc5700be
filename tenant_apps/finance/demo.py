"""Demo data of finance: payment records on the demo orders (confirmed partial collections, pending
ones waiting for finance, a supplement, a rejected record, a refund) and invoices at every step
(runs after the sales seeder, through the services)."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.files.base import ContentFile
from django.db.models import F

from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import DomainError
from tenant_apps.finance import selectors, services
from tenant_apps.sales.models import Order
from tenant_apps.workspace.demo import DemoContext, register_seeder

MAX_ORDERS = 40
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
METHODS = ("bank_transfer", "alipay", "wechat_pay", "bank_transfer", "platform")
REJECT_REASONS = ("凭证模糊，请重新上传", "金额与银行流水不符")
COMPANY_SUFFIX = "有限公司"


def _part(amount: Decimal, share: str) -> Decimal:
    return (amount * Decimal(share)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


@register_seeder("finance", order=40)
def seed_finance(ctx: DemoContext) -> str | None:
    finance = (list(ctx.users(StoreRole.FINANCE)) or list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    orders = list(
        Order.objects.exclude(status=Order.Status.CANCELLED)
        .filter(collected__lt=F("amount"))
        .select_related("customer", "owner")
        .order_by("pk")[:MAX_ORDERS]
    )
    if finance is None or not orders:
        return None
    confirmed = pending = rejected = refunds = invoices = 0
    for index, order in enumerate(orders):
        owner = order.owner
        method = METHODS[index % len(METHODS)]
        at = ctx.now - timedelta(days=max(1, 20 - index % 20))
        collectable = selectors.collectable_amount(order=order)
        try:
            if index % 4 == 0 and collectable > 0:
                # Paid in full: a deposit and the balance, both confirmed.
                first = _part(collectable, "0.3") or collectable
                for amount in (first, collectable - first):
                    if amount <= 0:
                        continue
                    payment = services.payment_create(
                        order=order,
                        kind="collection",
                        amount=amount,
                        method=method,
                        actor=owner,
                        vouchers=[ContentFile(DEMO_PDF, name="银行回单.pdf")],
                        at=at,
                    )
                    services.payment_confirm(payment_id=payment.pk, actor=finance, at=at + timedelta(hours=3))
                    confirmed += 1
            elif index % 4 == 1 and collectable > 0:
                # A deposit confirmed, the balance waiting for finance.
                deposit = _part(collectable, "0.5")
                if deposit > 0:
                    payment = services.payment_create(
                        order=order, kind="collection", amount=deposit, method=method, actor=owner, at=at
                    )
                    services.payment_confirm(payment_id=payment.pk, actor=finance, at=at + timedelta(hours=2))
                    confirmed += 1
                services.payment_create(
                    order=order,
                    kind="collection",
                    amount=collectable - deposit,
                    method=method,
                    actor=owner,
                    note="尾款",
                    vouchers=[ContentFile(DEMO_PDF, name="转账截图.pdf")],
                )
                pending += 1
            elif index % 4 == 2 and collectable > 0:
                payment = services.payment_create(
                    order=order, kind="collection", amount=collectable, method=method, actor=owner, at=at
                )
                services.payment_reject(
                    payment_id=payment.pk, actor=finance, reason=REJECT_REASONS[index % 2], at=at + timedelta(hours=1)
                )
                rejected += 1
                services.payment_create(order=order, kind="collection", amount=collectable, method=method, actor=owner)
                pending += 1
            if index % 8 == 0:
                supplement = services.payment_create(
                    order=order, kind="supplement", amount="80.00", method="wechat_pay", actor=owner, note="运费"
                )
                services.payment_confirm(payment_id=supplement.pk, actor=finance)
                refundable = selectors.refundable_amount(order=order)
                if refundable >= Decimal("50.00"):
                    services.refund_create(
                        order=order, amount="50.00", method="bank_transfer", actor=owner, note="少发 1 件，退差价"
                    )
                    refunds += 1
            if index % 5 == 0:
                invoices += _seed_invoice(ctx, order=order, owner=owner, finance=finance, index=index)
        except DomainError:
            continue
    return (
        f"{confirmed} confirmed and {pending} pending payment records, {rejected} rejected, "
        f"{refunds} refunds, {invoices} invoices"
    )


def _seed_invoice(ctx: DemoContext, *, order: Order, owner, finance, index: int) -> int:
    customer = order.customer
    invoice = services.invoice_request(
        order=order,
        actor=owner,
        title=customer.company or f"{customer.name}{COMPANY_SUFFIX}",
        tax_number=f"91310000MA1{ctx.rng.randint(100000, 999999)}X",
        amount=order.amount,
        invoice_type="vat_special" if index % 2 == 0 else "vat_general",
        address=customer.address or "上海市浦东新区张江路 88 号",
    )
    step = (index // 5) % 3
    if step >= 1:
        number = f"{ctx.store.pk:03d}{order.pk:08d}"
        services.invoice_issue(
            invoice_id=invoice.pk, number=number, file=ContentFile(DEMO_PDF, name="invoice.pdf"), actor=finance
        )
    if step >= 2:
        services.invoice_mail(
            invoice_id=invoice.pk,
            courier="顺丰速运",
            tracking_number=f"SF{ctx.rng.randint(10**11, 10**12)}",
            actor=finance,
        )
    return 1
