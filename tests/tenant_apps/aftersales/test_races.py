"""Races on real database connections (one per thread, committed writes): refunds of an order
(after-sales and direct) never exceed what was received, and returned units never exceed those
ordered, however many people act at once. The rows are committed, so each test removes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.aftersales import services
from tenant_apps.aftersales.models import Case
from tenant_apps.customers.models import Customer
from tenant_apps.finance import services as finance
from tenant_apps.finance.models import Payment
from tenant_apps.notifications.models import Notification
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.sales.models import Delivery, Order, Product
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of
from tests.races import at_once
from tests.tenant_apps.aftersales.helpers import lines_of, shipped_order


@pytest.fixture
def world(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    users = {
        key: User.objects.get(email=user_email(key)) for key in ("a_sales", "a_supervisor", "a_admin", "a_finance")
    }
    with tenant_context(store):
        orders = set(Order.objects.values_list("pk", flat=True))
        customers = set(Customer.objects.values_list("pk", flat=True))
        products = set(Product.objects.values_list("pk", flat=True))
        outbox = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        notifications = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield store, users
    with tenant_context(store):
        made = Order.objects.exclude(pk__in=orders)
        Case.objects.filter(order__in=made).delete()
        Payment.objects.filter(order__in=made).delete()
        Delivery.objects.filter(order__in=made).delete()
        made.delete()
        Customer.objects.exclude(pk__in=customers).delete()
        Product.objects.exclude(pk__in=products).delete()
        OutboxEvent.objects.filter(id__gt=outbox).delete()
        Notification.objects.filter(id__gt=notifications).delete()


def test_concurrent_applications_never_ask_for_more_than_was_received(world):
    store, users = world
    with tenant_context(store):
        order = shipped_order(users["a_sales"], quantities=(10,), collected="1000.00")
    apply = lambda: services.case_apply(  # noqa: E731
        access=access_of(users["a_sales"], store),
        order_id=order.pk,
        type="refund_only",
        reason="x",
        amount=Decimal("600.00"),
    )
    outcomes = at_once(store, apply, apply)
    assert sorted(type(o).__name__ if isinstance(o, Case) else o for o in outcomes) == ["Case", "over_refund"]
    with tenant_context(store):
        assert Case.objects.filter(order_id=order.pk).count() == 1


def test_processing_and_a_direct_refund_at_once_never_exceed_what_was_received(world):
    store, users = world
    with tenant_context(store):
        order = shipped_order(users["a_sales"], quantities=(10,), collected="1000.00")
        case = services.case_apply(
            access=access_of(users["a_sales"], store),
            order_id=order.pk,
            type="refund_only",
            reason="x",
            amount=Decimal("600.00"),
        )
        services.case_approve(case_id=case.pk, access=access_of(users["a_supervisor"], store))
    outcomes = at_once(
        store,
        lambda: services.case_process(case_id=case.pk, access=access_of(users["a_admin"], store)),
        lambda: finance.refund_create(
            access=access_of(users["a_finance"], store),
            order=Order.objects.get(pk=order.pk),
            amount=Decimal("600.00"),
            method="cash",
        ),
    )
    assert sorted(o if isinstance(o, str) else "ok" for o in outcomes) == ["ok", "over_refund"]
    with tenant_context(store):
        refunds = Payment.objects.filter(order_id=order.pk, kind="refund").exclude(status="rejected")
        assert refunds.count() == 1
        assert refunds.aggregate(total=Sum("amount"))["total"] == Decimal("600.00")
        case.refresh_from_db()
        assert case.status == ("processing" if outcomes[0] != "over_refund" else "approved")


def test_concurrent_returns_never_take_more_units_than_were_ordered(world):
    store, users = world
    with tenant_context(store):
        order = shipped_order(users["a_sales"], quantities=(5,))
        items = lines_of(order, 3)
    apply = lambda: services.case_apply(  # noqa: E731
        access=access_of(users["a_sales"], store), order_id=order.pk, type="exchange", reason="x", items=items
    )
    outcomes = at_once(store, apply, apply)
    assert sorted(type(o).__name__ if isinstance(o, Case) else o for o in outcomes) == ["Case", "validation_error"]
    with tenant_context(store):
        assert Case.objects.filter(order_id=order.pk).count() == 1
