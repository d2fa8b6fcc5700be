"""Races on real database connections (one per thread, committed writes): two finance users
confirming at the same moment never over-collect. The rows are committed, so the test removes
what it made."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.finance import services
from tenant_apps.finance.models import Payment
from tenant_apps.notifications.models import Notification
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.sales.models import Order, Product
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of
from tests.races import at_once
from tests.tenant_apps.finance.helpers import order_of


@pytest.fixture
def world(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    users = {key: User.objects.get(email=user_email(key)) for key in ("a_sales", "a_finance", "a_admin")}
    with tenant_context(store):
        orders = set(Order.objects.values_list("pk", flat=True))
        customers = set(Customer.objects.values_list("pk", flat=True))
        products = set(Product.objects.values_list("pk", flat=True))
        outbox = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        notifications = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield store, users
    with tenant_context(store):
        made = Order.objects.exclude(pk__in=orders)
        Payment.objects.filter(order__in=made).delete()
        made.delete()
        Customer.objects.exclude(pk__in=customers).delete()
        Product.objects.exclude(pk__in=products).delete()
        OutboxEvent.objects.filter(id__gt=outbox).delete()
        Notification.objects.filter(id__gt=notifications).delete()


def test_two_finance_users_confirming_collections_over_the_amount_at_once_confirm_exactly_one(world):
    store, users = world
    with tenant_context(store):
        order = order_of(users["a_sales"], "1000.00")
        # Each fits alone; together they exceed the amount (written directly: creation would refuse the second).
        first = Payment.objects.create(order=order, kind="collection", amount="700.00", method="cash")
        second = Payment.objects.create(order=order, kind="collection", amount="600.00", method="alipay")

    finance = access_of(users["a_finance"], store)
    outcomes = at_once(
        store,
        lambda: services.payment_confirm(access=finance, payment_id=first.pk),
        lambda: services.payment_confirm(access=finance, payment_id=second.pk),
    )

    assert sum(isinstance(result, Payment) for result in outcomes) == 1
    assert [result for result in outcomes if not isinstance(result, Payment)] == ["over_collection"]
    with tenant_context(store):
        confirmed = list(Payment.objects.filter(order=order, status="confirmed"))
        assert len(confirmed) == 1
        assert Order.objects.get(pk=order.pk).collected == confirmed[0].amount
        assert Payment.objects.filter(order=order, status="pending").count() == 1


def test_two_collections_recorded_at_once_cannot_both_pass_the_limit(world):
    store, users = world
    with tenant_context(store):
        order = order_of(users["a_sales"], "1000.00")

    sales = access_of(users["a_sales"], store)
    outcomes = at_once(
        store,
        *[
            lambda: services.payment_create(
                access=sales, order=order, kind="collection", amount=Decimal("600.00"), method="cash"
            )
            for _ in range(2)
        ],
    )

    assert sum(isinstance(result, Payment) for result in outcomes) == 1
    assert "over_collection" in outcomes
    with tenant_context(store):
        total = sum(p.amount for p in Payment.objects.filter(order=order))
        assert total == Decimal("600.00")
