"""A delivery that left the warehouse can be marked failed with a reason (API and page)."""

import pytest

from tenant_apps.notifications.models import Notification
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.sales.models import Delivery, Order, OrderEvent
from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        order = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(), 1, "500.00")],
            status=Order.Status.PENDING_RECEIPT,
        )
        return Delivery.objects.create(order=order, status=Delivery.Status.SHIPPED, carrier="SF", tracking_number="SF1")


def test_warehouse_marks_a_shipped_delivery_failed(store_a, users, api, in_store, shipped):
    response = api(users.a_warehouse, store_a).post(
        f"/api/v1/deliveries/{shipped.pk}/fail", {"reason": "客户拒收"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["failure_reason"]) == ("failed", "客户拒收") and body["failed_at"]
    with in_store(store_a):
        assert OrderEvent.objects.filter(order_id=shipped.order_id, data__status="failed").exists()
        assert Notification.objects.filter(recipient_id=users.a_sales.pk, kind="sales.delivery_failed").count() == 1
        (event,) = OutboxEvent.objects.filter(type="delivery.failed", entity_id=shipped.pk)
        assert (event.entity, event.data["status"], event.data["failure_reason"]) == ("delivery", "failed", "客户拒收")


def test_a_reason_is_required_and_nothing_changes_without_it(store_a, users, api, in_store, shipped):
    response = api(users.a_warehouse, store_a).post(
        f"/api/v1/deliveries/{shipped.pk}/fail", {"reason": "  "}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    with in_store(store_a):
        assert Delivery.objects.get(pk=shipped.pk).status == "shipped"


def test_a_salesperson_cannot_mark_a_delivery_failed(store_a, users, api, shipped):
    response = api(users.a_sales, store_a).post(
        f"/api/v1/deliveries/{shipped.pk}/fail", {"reason": "lost"}, format="json"
    )
    assert response.status_code == 403


def test_a_delivery_still_in_the_warehouse_cannot_fail(store_a, users, api, in_store, shipped):
    with in_store(store_a):
        Delivery.objects.filter(pk=shipped.pk).update(status=Delivery.Status.PENDING)
    response = api(users.a_admin, store_a).post(
        f"/api/v1/deliveries/{shipped.pk}/fail", {"reason": "lost"}, format="json"
    )
    assert response.status_code == 409


def test_order_page_button_marks_it_failed(store_a, users, page_client, in_store, shipped):
    client = page_client(users.a_warehouse, store_a)
    page = client.get(f"/sales/orders/{shipped.order_id}/")
    assert page.status_code == 200 and b'data-testid="delivery-fail"' in page.content
    assert client.post(f"/sales/deliveries/{shipped.pk}/fail/", {"reason": "破损退回"}).status_code == 302
    with in_store(store_a):
        assert Delivery.objects.get(pk=shipped.pk).failure_reason == "破损退回"
