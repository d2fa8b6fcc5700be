"""Demo data of finance: payment records on the demo orders (confirmed partial collections, pending
ones waiting for finance, a supplement, a rejected record, a refund) and invoices at every step
(runs after the sales seeder, through the services)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.files.base import ContentFile
from django.db.models import F

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import DomainError
from tenant_apps.finance import files, selectors, services
from tenant_apps.sales.models import Order
from tenant_apps.workspace.demo import DemoContext, register_seeder

MAX_ORDERS = 40
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
METHODS = ("bank_transfer", "alipay", "wechat_pay", "bank_transfer", "platform")
REJECT_REASONS = ("凭证模糊，请重新上传", "金额与银行流水不符")
COMPANY_SUFFIX = "有限公司"


def _part(amount: Decimal, share: str) -> Decimal:
    return (amount * Decimal(share)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _voucher(name: str) -> list[files.CheckedFile]:
    return files.check_files([ContentFile(DEMO_PDF, name=name)], field="voucher")


@register_seeder("finance", order=40)
def seed_finance(ctx: DemoContext) -> str | None:
    person = (list(ctx.users(StoreRole.FINANCE)) or list(ctx.users(StoreRole.ADMIN)) or [None])[0]
    orders = list(
        Order.objects.exclude(status=Order.Status.CANCELLED)
        .filter(collected__lt=F("amount"))
        .select_related("customer", "owner")
        .order_by("pk")[:MAX_ORDERS]
    )
    finance = resolve_store_access(user=person, store=ctx.store)
    if finance is None or not orders:
        return None
    made: Counter[str] = Counter()
    for index, order in enumerate(orders):
        owner = resolve_store_access(user=order.owner, store=ctx.store)
        if owner is None:
            continue
        try:
            _seed_payments(ctx, order=order, owner=owner, finance=finance, index=index, made=made)
            if index % 8 == 0:
                _seed_supplement_and_refund(order=order, owner=owner, finance=finance, made=made)
            if index % 5 == 0:
                made["invoices"] += _seed_invoice(ctx, order=order, owner=owner, finance=finance, index=index)
        except DomainError:
            continue
    return (
        f"{made['confirmed']} confirmed and {made['pending']} pending payment records, {made['rejected']} rejected, "
        f"{made['refunds']} refunds, {made['invoices']} invoices"
    )


def _seed_payments(ctx: DemoContext, *, order: Order, owner, finance, index: int, made: Counter[str]) -> None:
    """Collections on ``order`` by its owner: paid in full, a deposit and the balance pending, or
    a rejected record recorded again (in turn, by ``index``)."""
    method = METHODS[index % len(METHODS)]
    at = ctx.now - timedelta(days=max(1, 20 - index % 20))
    collectable = selectors.collectable_amount(order=order)
    if collectable <= 0:
        return
    if index % 4 == 0:
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
                access=owner,
                vouchers=_voucher("银行回单.pdf"),
                at=at,
            )
            services.payment_confirm(payment_id=payment.pk, access=finance, at=at + timedelta(hours=3))
            made["confirmed"] += 1
    elif index % 4 == 1:
        # A deposit confirmed, the balance waiting for finance.
        deposit = _part(collectable, "0.5")
        if deposit > 0:
            payment = services.payment_create(
                order=order, kind="collection", amount=deposit, method=method, access=owner, at=at
            )
            services.payment_confirm(payment_id=payment.pk, access=finance, at=at + timedelta(hours=2))
            made["confirmed"] += 1
        services.payment_create(
            order=order,
            kind="collection",
            amount=collectable - deposit,
            method=method,
            access=owner,
            note="尾款",
            vouchers=_voucher("转账截图.pdf"),
        )
        made["pending"] += 1
    elif index % 4 == 2:
        payment = services.payment_create(
            order=order, kind="collection", amount=collectable, method=method, access=owner, at=at
        )
        services.payment_reject(
            payment_id=payment.pk, access=finance, reason=REJECT_REASONS[index % 2], at=at + timedelta(hours=1)
        )
        made["rejected"] += 1
        services.payment_create(order=order, kind="collection", amount=collectable, method=method, access=owner)
        made["pending"] += 1


def _seed_supplement_and_refund(*, order: Order, owner, finance, made: Counter[str]) -> None:
    supplement = services.payment_create(
        order=order, kind="supplement", amount=Decimal("80.00"), method="wechat_pay", access=owner, note="运费"
    )
    services.payment_confirm(payment_id=supplement.pk, access=finance)
    if selectors.refundable_amount(order=order) >= Decimal("50.00"):
        services.refund_create(
            order=order, amount=Decimal("50.00"), method="bank_transfer", access=owner, note="少发 1 件，退差价"
        )
        made["refunds"] += 1


def _seed_invoice(ctx: DemoContext, *, order: Order, owner, finance, index: int) -> int:
    customer = order.customer
    invoice = services.invoice_request(
        order=order,
        access=owner,
        title=customer.company or f"{customer.name}{COMPANY_SUFFIX}",
        tax_number=f"91310000MA1{ctx.rng.randint(100000, 999999)}X",
        amount=order.amount,
        invoice_type="vat_special" if index % 2 == 0 else "vat_general",
        address=customer.address or "上海市浦东新区张江路 88 号",
    )
    step = (index // 5) % 3
    if step >= 1:
        number = f"{ctx.store.pk:03d}{order.pk:08d}"
        pdf = files.check_file(ContentFile(DEMO_PDF, name="invoice.pdf"), field="file")
        services.invoice_issue(invoice_id=invoice.pk, number=number, file=pdf, access=finance)
    if step >= 2:
        services.invoice_mail(
            invoice_id=invoice.pk,
            courier="顺丰速运",
            tracking_number=f"SF{ctx.rng.randint(10**11, 10**12)}",
            access=finance,
        )
    return 1
