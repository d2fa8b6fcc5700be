"""Helpers of the finance tests: orders written directly (tests/factories/sales.py), small files, and
payment records made as the API makes them."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.finance import services
from tenant_apps.finance.inputs import PaymentCreateSerializer
from tests.factories import access_of
from tests.factories.sales import make_customer, make_order, make_product

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def order_of(owner, amount: str = "1000.00", **fields):
    """An order of ``amount`` (one line) owned by ``owner``, in the ACTIVE store schema."""
    customer = make_customer(owner=owner)
    product = make_product(list_price=Decimal(amount))
    return make_order(customer=customer, owner=owner, lines=[(product, 1, Decimal(amount))], **fields)


def upload(content: bytes = JPEG, name: str = "voucher.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def notifications_of(user, kind: str | None = None):
    from tenant_apps.notifications.models import Notification

    qs = Notification.objects.filter(recipient_id=user.pk).order_by("created_at", "id")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs)


def record(order, user, *, vouchers=(), **body):
    """A payment record as the API makes it: the body read at the edge, then the service."""
    body = {"kind": "collection", "amount": "100.00", "method": "cash", **body}
    values = PaymentCreateSerializer.read(body, vouchers=list(vouchers))
    return services.payment_create(access=access_of(user), order=order, **values)
