"""The sales change journal: every way of writing orders and their lines marks exactly the UTC days
and the customers whose sales changed (``tenant_apps.sales.journal``), and a mark a writer makes
is never lost to a consumer taking the marks before the writer commits."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django_tenants.utils import tenant_context

from tenant_apps.finance.models import Payment
from tenant_apps.sales.models import Order, OrderLine
from tenant_apps.workspace.models import Channel
from tests.conftest import in_plain_thread
from tests.dates import days_from_today, local_at
from tests.factories.sales import make_customer, make_order, make_product
from tests.journals import take, take_all

DAYS, CUSTOMERS = "sales_reporting_changedday", "sales_reporting_changedcustomer"


def utc_day(at):
    return at.astimezone(UTC).date()


@pytest.fixture
def sales(store_a, in_store, users):
    """Store A active, with a product, a customer of a_sales and the journals emptied."""
    with in_store(store_a):
        product = make_product(list_price="100.00")
        customer = make_customer(owner=users.a_sales)
        take_all(DAYS, CUSTOMERS)
        yield {"product": product, "customer": customer, "owner": users.a_sales}


def order_on(sales, at) -> Order:
    return make_order(
        customer=sales["customer"], owner=sales["owner"], lines=[(sales["product"], 1, "100.00")], signed_at=at
    )


def marks() -> tuple[set, set]:
    return take(DAYS), take(CUSTOMERS)


def test_an_inserted_order_marks_its_utc_signing_day_and_its_customer(sales):
    # Half past midnight in Shanghai is the previous day in UTC.
    at = local_at(days_from_today(-3), 0, 30)

    order = order_on(sales, at)

    assert utc_day(at) != at.date()
    assert marks() == ({utc_day(at)}, {order.customer_id})


def test_a_change_of_an_unwatched_column_marks_nothing(sales):
    order = order_on(sales, local_at(days_from_today(-3), 12))
    marks()

    order.notes = "call before delivery"
    order.save()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING_DELIVERY, shipped_at=order.signed_at)

    assert marks() == (set(), set())


def test_re_dating_an_order_marks_both_days_and_its_customer(sales):
    before = local_at(days_from_today(-5), 12)
    after = local_at(days_from_today(-2), 12)
    order = order_on(sales, before)
    marks()

    order.signed_at = after
    order.save(update_fields=["signed_at"])

    assert marks() == ({utc_day(before), utc_day(after)}, {order.customer_id})


def test_cancelling_an_order_marks_its_day_and_customer(sales):
    at = local_at(days_from_today(-4), 9)
    order = order_on(sales, at)
    marks()

    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED, cancelled_at=at)

    assert marks() == ({utc_day(at)}, {order.customer_id})


def test_completion_and_rating_mark_the_customer_but_not_the_day(sales):
    order = order_on(sales, local_at(days_from_today(-4), 9))
    marks()

    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED, completed_at=order.signed_at, rating=5)

    assert marks() == (set(), {order.customer_id})


def test_moving_an_order_to_another_customer_marks_both_customers(sales):
    order = order_on(sales, local_at(days_from_today(-4), 9))
    other = make_customer(owner=sales["owner"])
    marks()

    Order.objects.filter(pk=order.pk).update(customer=other)

    assert marks() == ({utc_day(order.signed_at)}, {sales["customer"].pk, other.pk})


def test_a_bulk_update_marks_the_day_of_every_changed_order(sales):
    times = [local_at(days_from_today(-d), 15) for d in (2, 6, 9)]
    orders = [order_on(sales, at) for at in times]
    untouched = order_on(sales, local_at(days_from_today(-12), 15))
    marks()

    Order.objects.filter(pk__in=[o.pk for o in orders]).update(device=Order.Device.MOBILE)
    for order in orders[:2]:
        order.amount = Decimal("90.00")
    Order.objects.bulk_update(orders[:2], ["amount"])

    days, customers = marks()
    assert days == {utc_day(at) for at in times}
    assert utc_day(untouched.signed_at) not in days
    assert customers == {sales["customer"].pk}  # the amounts changed; the device alone would not mark it


def test_a_deleted_order_marks_its_day_and_customer(sales):
    at = local_at(days_from_today(-7), 20)
    order = order_on(sales, at)
    marks()

    order.delete()

    assert marks() == ({utc_day(at)}, {sales["customer"].pk})


def test_inserting_changing_and_deleting_lines_marks_their_orders_day(sales):
    at = local_at(days_from_today(-8), 10)
    order = order_on(sales, at)
    other = order_on(sales, local_at(days_from_today(-1), 10))
    product = sales["product"]
    marks()

    line = OrderLine.objects.create(
        order=order, position=1, product=product, sku=product.sku, product_name=product.name,
        quantity=2, unit_price=Decimal("10.00"), list_price=product.list_price, amount=Decimal("20.00"),
    )  # fmt: skip
    assert marks() == ({utc_day(at)}, set())

    OrderLine.objects.filter(pk=line.pk).update(product_name="renamed")
    assert marks() == ({utc_day(at)}, set())

    line.delete()
    assert marks() == ({utc_day(at)}, set())
    assert utc_day(other.signed_at) != utc_day(at)


def test_moving_an_order_to_another_owner_marks_the_days_of_its_confirmed_payments(sales, users):
    signed = local_at(days_from_today(-10), 10)
    order = order_on(sales, signed)
    paid = signed + timedelta(days=3)
    Payment.objects.create(order=order, kind="collection", amount=Decimal("60.00"), method="cash",
                           status="confirmed", confirmed_at=paid)  # fmt: skip
    Payment.objects.create(order=order, kind="collection", amount=Decimal("40.00"), method="cash")
    marks()

    Order.objects.filter(pk=order.pk).update(owner=users.a_sales2)
    assert marks() == ({utc_day(signed), utc_day(paid)}, {order.customer_id})

    Order.objects.filter(pk=order.pk).update(channel=Channel.objects.order_by("pk").first())
    assert marks() == ({utc_day(signed), utc_day(paid)}, {order.customer_id})


def test_raw_sql_in_the_sales_app_marks_like_the_orm(sales):
    before = local_at(days_from_today(-6), 11)
    order = order_on(sales, before)
    marks()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE sales_order SET signed_at = signed_at + interval '2 days' WHERE id = %s", [order.pk])
        cursor.execute("DELETE FROM sales_orderline WHERE order_id = %s", [order.pk])

    assert marks() == ({utc_day(before), utc_day(before + timedelta(days=2))}, {order.customer_id})


def test_a_transaction_writing_one_day_many_times_leaves_one_row(sales):
    at = local_at(days_from_today(-3), 14)
    order = order_on(sales, at)
    marks()

    with transaction.atomic():
        for amount in ("80.00", "70.00", "60.00"):
            Order.objects.filter(pk=order.pk).update(amount=Decimal(amount))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sales_changedday WHERE day = %s", [utc_day(at)])
        rows = cursor.fetchone()[0]

    assert rows == 1


def test_a_writer_committing_after_a_consumer_took_its_day_keeps_its_mark(committed_db, store_a, users):
    """The day was already marked (by an earlier change) when a writer changes an order on it; a
    consumer takes the day's marks before the writer commits. The writer's mark must survive, or
    its change would never be looked at."""
    at = local_at(days_from_today(-3), 14)

    def setup():
        with tenant_context(store_a):
            product = make_product(list_price="100.00")
            customer = make_customer(owner=users.a_sales)
            return make_order(customer=customer, owner=users.a_sales, lines=[(product, 1, "100.00")], signed_at=at)

    order = in_plain_thread(setup)
    written, taken = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer():
        try:
            with tenant_context(store_a), transaction.atomic():
                Order.objects.filter(pk=order.pk).update(amount=Decimal("50.00"))
                written.set()
                if not taken.wait(10):
                    raise AssertionError("the consumer did not take the marks")
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    with tenant_context(store_a), transaction.atomic():
        taken_days = take(DAYS)
    taken.set()
    thread.join(20)
    with tenant_context(store_a):
        left = take(DAYS)

    assert errors == []
    assert utc_day(at) in taken_days  # the earlier change's mark, taken
    assert utc_day(at) in left  # the writer's, still there once it committed
