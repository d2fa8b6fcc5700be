"""The finance change journal: every way of writing payment records marks exactly the UTC days of
the confirmed payments that changed (``tenant_apps.finance.journal``)."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from tenant_apps.finance.models import Payment
from tests.dates import days_from_today, local_at
from tests.journals import take
from tests.tenant_apps.finance.helpers import order_of

DAYS = "finance_reporting_changedday"


def utc_day(at):
    return at.astimezone(UTC).date()


@pytest.fixture
def order(store_a, in_store, users):
    """Store A active, with an order of a_sales and the journal emptied."""
    with in_store(store_a):
        order = order_of(users.a_sales, signed_at=local_at(days_from_today(-20), 10))
        take(DAYS)
        yield order


def pay(order, *, confirmed_at=None, amount="100.00") -> Payment:
    return Payment.objects.create(
        order=order,
        kind=Payment.Kind.COLLECTION,
        amount=Decimal(amount),
        method=Payment.Method.BANK_TRANSFER,
        status=Payment.Status.CONFIRMED if confirmed_at else Payment.Status.PENDING,
        confirmed_at=confirmed_at,
    )


def test_a_confirmed_payment_marks_its_utc_confirmation_day_and_a_pending_one_nothing(order):
    at = local_at(days_from_today(-3), 0, 30)  # the previous day in UTC

    pay(order, confirmed_at=at)
    assert take(DAYS) == {utc_day(at)}

    pay(order)
    assert take(DAYS) == set()


def test_confirming_marks_the_day_and_an_unwatched_change_marks_nothing(order):
    payment = pay(order)
    at = local_at(days_from_today(-2), 16)

    Payment.objects.filter(pk=payment.pk).update(note="voucher checked")
    assert take(DAYS) == set()

    payment.status, payment.confirmed_at = Payment.Status.CONFIRMED, at
    payment.save(update_fields=["status", "confirmed_at"])
    assert take(DAYS) == {utc_day(at)}


def test_moving_a_confirmation_marks_both_days(order):
    before = local_at(days_from_today(-9), 12)
    after = before + timedelta(days=4)
    payment = pay(order, confirmed_at=before)
    take(DAYS)

    Payment.objects.filter(pk=payment.pk).update(confirmed_at=after)

    assert take(DAYS) == {utc_day(before), utc_day(after)}


def test_a_bulk_update_marks_the_days_of_every_changed_payment(order):
    times = [local_at(days_from_today(-d), 11) for d in (1, 4, 7)]
    payments = [pay(order, confirmed_at=at, amount="10.00") for at in times]
    pending = pay(order, amount="10.00")
    take(DAYS)

    Payment.objects.filter(pk__in=[p.pk for p in [*payments, pending]]).update(amount=Decimal("12.00"))

    assert take(DAYS) == {utc_day(at) for at in times}


def test_deleting_marks_the_day_of_a_confirmed_payment_only(order):
    at = local_at(days_from_today(-5), 9)
    confirmed, pending = pay(order, confirmed_at=at), pay(order)
    take(DAYS)

    pending.delete()
    assert take(DAYS) == set()

    confirmed.delete()
    assert take(DAYS) == {utc_day(at)}


def test_raw_sql_in_the_finance_app_marks_like_the_orm(order):
    at = local_at(days_from_today(-6), 13)
    payment = pay(order)
    take(DAYS)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE finance_payment SET status = 'confirmed', confirmed_at = %s WHERE id = %s", [at, payment.pk]
        )

    assert take(DAYS) == {utc_day(at)}
