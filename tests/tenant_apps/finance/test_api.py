"""The finance API: payment records with vouchers, confirmation by finance only, the finance list
with totals and filters, voucher files reachable only by who may see the order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenant_apps.finance import services
from tenant_apps.finance.models import Payment, PaymentVoucher
from tenant_apps.sales.models import Order
from tests.factories import access_of
from tests.tenant_apps.finance.helpers import JPEG, PDF, PNG, order_of, record, upload


def _create(api_client, order, **data):
    body = {"kind": "collection", "amount": "100.00", "method": "bank_transfer", **data}
    return api_client.post(f"/api/v1/orders/{order.pk}/payments", body, format="json")


@pytest.fixture
def order(store_a, users, in_store):
    with in_store(store_a):
        return order_of(users.a_sales, "1000.00")


def test_salesperson_records_a_collection_with_json(api, store_a, users, order):
    response = _create(api(users.a_sales, store_a), order, amount="250.50", note="first part")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "250.50" and body["status"] == "pending" and body["kind"] == "collection"
    assert body["order"] == order.pk and body["vouchers"] == []


def test_salesperson_records_a_collection_with_several_vouchers(api, store_a, users, order, in_store):
    response = api(users.a_sales, store_a).post(
        f"/api/v1/orders/{order.pk}/payments",
        {
            "kind": "collection",
            "amount": "100.00",
            "method": "alipay",
            "voucher": [upload(JPEG, "a.jpg"), upload(PDF, "b.pdf", "application/pdf"), upload(PNG, "c.png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    vouchers = response.json()["vouchers"]
    assert [v["content_type"] for v in vouchers] == ["image/jpeg", "application/pdf", "image/png"]
    with in_store(store_a):
        names = [v.file.name for v in PaymentVoucher.objects.filter(payment_id=response.json()["id"])]
    assert all(name.startswith(f"{store_a.schema_name}/vouchers/") for name in names)


def test_amount_with_three_decimals_is_a_400(api, store_a, users, order):
    response = _create(api(users.a_sales, store_a), order, amount="10.005")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error" and "amount" in response.json()["errors"]


def test_over_collection_is_a_409_problem(api, store_a, users, order):
    response = _create(api(users.a_sales, store_a), order, amount="1000.01")
    assert response.status_code == 409
    assert response.json()["code"] == "over_collection"


def test_voucher_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_written(
    api, store_a, users, order, in_store, tmp_path
):
    response = api(users.a_sales, store_a).post(
        f"/api/v1/orders/{order.pk}/payments",
        {
            "kind": "collection",
            "amount": "100.00",
            "method": "cash",
            "voucher": [upload(JPEG, "ok.jpg"), upload(b"MZ\x90\x00 not an image", "evil.jpg")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"
    with in_store(store_a):
        assert not Payment.objects.filter(order=order).exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_voucher_over_the_size_limit_is_a_413_and_nothing_is_written(
    api, store_a, users, order, in_store, settings, tmp_path
):
    settings.VOUCHER_MAX_BYTES = 1024
    response = api(users.a_sales, store_a).post(
        f"/api/v1/orders/{order.pk}/payments",
        {"kind": "collection", "amount": "100.00", "method": "cash", "voucher": upload(JPEG + b"\x00" * 1024)},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    with in_store(store_a):
        assert not Payment.objects.filter(order=order).exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_salesperson_cannot_record_on_an_order_they_cannot_see(api, store_a, users, order):
    response = _create(api(users.a_sales2, store_a), order)
    assert response.status_code == 404


def test_salesperson_cannot_confirm(api, store_a, users, order, in_store):
    with in_store(store_a):
        payment = record(order, users.a_sales, kind="collection", amount="100.00", method="cash")
    response = api(users.a_sales, store_a).post(f"/api/v1/payments/{payment.pk}/confirm")
    assert response.status_code == 403
    with in_store(store_a):
        payment.refresh_from_db()
        assert payment.status == "pending"


def test_finance_confirms_and_the_order_counts_it(api, store_a, users, order, in_store):
    with in_store(store_a):
        payment = record(order, users.a_sales, kind="collection", amount="100.00", method="cash")
    response = api(users.a_finance, store_a).post(f"/api/v1/payments/{payment.pk}/confirm")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed" and response.json()["confirmed_at"]
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).collected == Decimal("100.00")


def test_confirming_twice_is_a_409_invalid_transition(api, store_a, users, order, in_store):
    with in_store(store_a):
        payment = record(order, users.a_sales, kind="collection", amount="100.00", method="cash")
    client = api(users.a_finance, store_a)
    assert client.post(f"/api/v1/payments/{payment.pk}/confirm").status_code == 200
    second = client.post(f"/api/v1/payments/{payment.pk}/confirm")
    assert second.status_code == 409 and second.json()["code"] == "invalid_transition"


def test_finance_rejects_with_a_reason(api, store_a, users, order, in_store):
    with in_store(store_a):
        payment = record(order, users.a_sales, kind="collection", amount="100.00", method="cash")
    client = api(users.a_finance, store_a)
    assert client.post(f"/api/v1/payments/{payment.pk}/reject", {}, format="json").status_code == 400
    response = client.post(f"/api/v1/payments/{payment.pk}/reject", {"reason": "no voucher"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected" and response.json()["reject_reason"] == "no voucher"


def test_finance_list_has_totals_of_the_filtered_records(api, store_a, users, in_store):
    with in_store(store_a):
        order = order_of(users.a_sales, "1000.00")
        other = order_of(users.a_sales2, "500.00")
        for o, kind, amount, confirm in (
            (order, "collection", "400.00", True),
            (order, "supplement", "50.00", True),
            (order, "refund", "30.00", True),
            (order, "collection", "100.00", False),
            (other, "collection", "200.00", True),
        ):
            payment = record(o, users.a_sales, kind=kind, amount=amount, method="cash")
            if confirm:
                services.payment_confirm(access=access_of(users.a_finance), payment_id=payment.pk)
    body = api(users.a_finance, store_a).get(f"/api/v1/payments?order={order.pk}").json()
    assert body["count"] == 4
    assert body["totals"]["confirmed"] == {"collection": "400.00", "supplement": "50.00", "refund": "30.00"}
    assert body["totals"]["pending"]["collection"] == "100.00"
    assert body["totals"]["net"] == "420.00"
    pending = api(users.a_finance, store_a).get("/api/v1/payments?status=pending&kind=collection").json()
    assert {row["amount"] for row in pending["results"]} == {"100.00"}


def test_salesperson_sees_only_records_of_their_own_orders(api, store_a, users, in_store):
    with in_store(store_a):
        mine = order_of(users.a_sales, "1000.00")
        theirs = order_of(users.a_sales2, "1000.00")
        for o in (mine, theirs):
            record(o, users.a_admin, kind="collection", amount="10.00", method="cash")
    body = api(users.a_sales, store_a).get("/api/v1/payments").json()
    assert {row["order"] for row in body["results"]} == {mine.pk}
    assert body["totals"]["pending"]["collection"] == "10.00"


def test_bad_list_filter_is_a_400(api, store_a, users):
    response = api(users.a_finance, store_a).get("/api/v1/payments?status=lost")
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_list_filters_by_confirmed_date(api, store_a, users, in_store):
    with in_store(store_a):
        order = order_of(users.a_sales, "1000.00")
        payment = record(order, users.a_sales, kind="collection", amount="1.00", method="cash")
        services.payment_confirm(access=access_of(users.a_finance), payment_id=payment.pk)
    client = api(users.a_finance, store_a)
    assert client.get(f"/api/v1/payments?order={order.pk}&confirmed_from=2000-01-01").json()["count"] == 1
    assert client.get(f"/api/v1/payments?order={order.pk}&confirmed_to=2000-01-01").json()["count"] == 0


def _voucher(store, users, in_store):
    with in_store(store):
        order = order_of(users.a_sales, "1000.00")
        payment = record(order, users.a_sales, kind="collection", amount="10.00", method="cash", vouchers=[upload(PDF)])
        return payment, payment.vouchers.get()


def test_voucher_file_is_served_to_the_owner_and_finance(api, store_a, users, in_store):
    payment, voucher = _voucher(store_a, users, in_store)
    for user in (users.a_sales, users.a_finance):
        response = api(user, store_a).get(f"/api/v1/payments/{payment.pk}/vouchers/{voucher.pk}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


def test_voucher_is_not_reachable_by_a_salesperson_who_cannot_see_the_order(api, store_a, users, in_store):
    payment, voucher = _voucher(store_a, users, in_store)
    response = api(users.a_sales2, store_a).get(f"/api/v1/payments/{payment.pk}/vouchers/{voucher.pk}")
    assert response.status_code == 404


def test_voucher_of_store_a_is_not_reachable_from_store_b(api, store_a, store_b, users, in_store):
    payment, voucher = _voucher(store_a, users, in_store)
    path = f"/api/v1/payments/{payment.pk}/vouchers/{voucher.pk}"
    assert api(users.b_admin, store_b).get(path).status_code == 404
    assert api(users.a_sales, store_b).get(path).status_code == 404  # not a member of B


def test_voucher_page_url_checks_visibility_too(page_client, store_a, users, in_store):
    payment, voucher = _voucher(store_a, users, in_store)
    path = f"/finance/payments/{payment.pk}/vouchers/{voucher.pk}/"
    assert page_client(users.a_sales, store_a).get(path).status_code == 200
    assert page_client(users.a_sales2, store_a).get(path).status_code == 404


def test_order_payments_lists_the_records_of_one_order(api, store_a, users, order, in_store):
    with in_store(store_a):
        record(order, users.a_sales, kind="collection", amount="10.00", method="cash")
    response = api(users.a_sales, store_a).get(f"/api/v1/orders/{order.pk}/payments")
    assert response.status_code == 200
    assert [row["amount"] for row in response.json()] == ["10.00"]
