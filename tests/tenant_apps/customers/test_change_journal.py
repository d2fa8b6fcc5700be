"""The customers change journal: a province change marks the UTC days of the customer's orders, and
every way of writing follow-ups marks their customers (``tenant_apps.customers.journal``)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.db import connection

from tenant_apps.customers.models import Customer, FollowUp
from tests.dates import days_from_today, local_at
from tests.factories.sales import make_customer, make_order, make_product
from tests.journals import take, take_all

DAYS, CUSTOMERS = "customers_reporting_changedday", "customers_reporting_changedcustomer"


def utc_day(at):
    return at.astimezone(UTC).date()


def marks() -> tuple[set, set]:
    return take(DAYS), take(CUSTOMERS)


@pytest.fixture
def buyers(store_a, in_store, users):
    """Store A active: two customers of a_sales with orders on different days, journals emptied."""
    with in_store(store_a):
        product = make_product(list_price="100.00")
        first, second = make_customer(owner=users.a_sales, province="广东"), make_customer(owner=users.a_sales)
        times = {
            first.pk: [local_at(days_from_today(-10), 0, 30), local_at(days_from_today(-4), 12)],
            second.pk: [local_at(days_from_today(-7), 12)],
        }
        for customer in (first, second):
            for at in times[customer.pk]:
                make_order(customer=customer, owner=users.a_sales, lines=[(product, 1, "100.00")], signed_at=at)
        take_all(DAYS, CUSTOMERS)
        yield {"first": first, "second": second, "times": times, "author": users.a_sales}


def follow_up(customer, author, at) -> FollowUp:
    return FollowUp.objects.create(
        customer=customer, author=author, kind=FollowUp.Kind.CALL, content="x", created_at=at
    )


def test_a_province_change_marks_the_utc_days_of_the_customers_orders(buyers):
    first = buyers["first"]

    first.province = "浙江"
    first.save()

    assert marks() == ({utc_day(at) for at in buyers["times"][first.pk]}, set())


def test_a_change_of_other_columns_marks_nothing(buyers):
    first = buyers["first"]

    first.name, first.city = "改名", "杭州"
    first.save()
    Customer.objects.filter(pk=first.pk).update(grade="A")

    assert marks() == (set(), set())


def test_a_bulk_province_update_marks_the_days_of_every_changed_customer(buyers):
    first, second = buyers["first"], buyers["second"]

    Customer.objects.filter(pk__in=[first.pk, second.pk]).update(province="广东")

    # The first customer was in 广东 already: only the second one's days changed.
    assert marks() == ({utc_day(at) for at in buyers["times"][second.pk]}, set())


def test_raw_sql_in_the_customers_app_marks_like_the_orm(buyers):
    second = buyers["second"]

    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET province = '江苏' WHERE id = %s", [second.pk])

    assert marks() == ({utc_day(at) for at in buyers["times"][second.pk]}, set())


def test_inserting_changing_and_deleting_follow_ups_marks_their_customers(buyers):
    first, second, author = buyers["first"], buyers["second"], buyers["author"]
    at = local_at(days_from_today(-1), 10)

    note = follow_up(first, author, at)
    assert marks() == (set(), {first.pk})

    FollowUp.objects.filter(pk=note.pk).update(content="回访：满意", outcome="ok")
    assert marks() == (set(), set())

    FollowUp.objects.filter(pk=note.pk).update(created_at=at + timedelta(hours=1))
    assert marks() == (set(), {first.pk})

    FollowUp.objects.filter(pk=note.pk).update(customer=second)
    assert marks() == (set(), {first.pk, second.pk})

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM customers_followup WHERE id = %s", [note.pk])
    assert marks() == (set(), {second.pk})
