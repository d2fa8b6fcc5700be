"""Invoices: request on an order within its amount + supplemented, issue by finance with a unique
number and a file, mailing, cancellation, the requester's notifications and the file's visibility."""

from __future__ import annotations

import pytest

from tenant_apps.finance import services
from tenant_apps.finance.models import Invoice
from tenant_apps.sales.models import OrderEvent
from tests.factories import access_of
from tests.factories.sales import make_customer
from tests.tenant_apps.finance.helpers import JPEG, PDF, notifications_of, order_of, record, upload

REQUEST = {
    "title": "上海托盘贸易有限公司",
    "tax_number": "91310000MA1FL0XX1X",
    "invoice_type": "vat_special",
    "address": "上海市浦东新区 1 号",
}


@pytest.fixture
def order(store_a, users, in_store):
    with in_store(store_a):
        return order_of(users.a_sales, "1000.00")


def _request(client, order, amount="600.00", **extra):
    return client.post("/api/v1/invoices", {"order": order.pk, "amount": amount, **REQUEST, **extra}, format="json")


def _issue(client, invoice_id, number="INV-0001", content=PDF, name="invoice.pdf"):
    return client.post(
        f"/api/v1/invoices/{invoice_id}/issue",
        {"number": number, "file": upload(content, name, "application/pdf")},
        format="multipart",
    )


def test_salesperson_requests_an_invoice_on_their_order(api, store_a, users, order, in_store):
    response = _request(api(users.a_sales, store_a), order)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount"], body["order"]) == ("requested", "600.00", order.pk)
    with in_store(store_a):
        assert OrderEvent.objects.filter(order=order, kind="invoice").count() == 1


def test_invoices_of_an_order_may_reach_its_amount_but_not_one_cent_more(api, store_a, users, order):
    client = api(users.a_sales, store_a)
    assert _request(client, order, "600.00").status_code == 201
    over = _request(client, order, "400.01")
    assert over.status_code == 409 and over.json()["code"] == "over_invoice"
    assert _request(client, order, "400.00").status_code == 201


def test_supplements_raise_the_invoice_ceiling_and_cancelled_invoices_free_it(api, store_a, users, order, in_store):
    client = api(users.a_sales, store_a)
    with in_store(store_a):
        payment = record(order, users.a_sales, kind="supplement", amount="50.00", method="cash")
        services.payment_confirm(access=access_of(users.a_finance), payment_id=payment.pk)
    first = _request(client, order, "1050.00").json()
    assert _request(client, order, "0.01").json()["code"] == "over_invoice"
    assert client.post(f"/api/v1/invoices/{first['id']}/cancel").status_code == 200
    assert _request(client, order, "1050.00").status_code == 201


def test_invoice_request_validates_every_field(api, store_a, users, order, in_store):
    response = _request(api(users.a_sales, store_a), order, amount="1.001", title="")
    assert response.status_code == 400
    with in_store(store_a):
        assert not Invoice.objects.exists()


def test_invoice_on_an_invisible_order_is_a_404(api, store_a, users, order):
    assert _request(api(users.a_sales2, store_a), order).status_code == 404


def test_salesperson_cannot_issue(api, store_a, users, order):
    invoice = _request(api(users.a_sales, store_a), order).json()
    assert _issue(api(users.a_sales, store_a), invoice["id"]).status_code == 403


def test_invoice_flow_notifies_the_requester_at_issue_and_at_mailing(
    api, store_a, users, order, in_store, django_capture_on_commit_callbacks
):
    invoice = _request(api(users.a_sales, store_a), order).json()
    finance = api(users.a_finance, store_a)
    with django_capture_on_commit_callbacks(execute=True):
        issued = _issue(finance, invoice["id"])
    assert issued.status_code == 200, issued.content
    assert issued.json()["status"] == "issued" and issued.json()["number"] == "INV-0001"
    with django_capture_on_commit_callbacks(execute=True):
        mailed = finance.post(
            f"/api/v1/invoices/{invoice['id']}/mail", {"courier": "顺丰", "tracking_number": "SF123"}, format="json"
        )
    assert mailed.status_code == 200 and mailed.json()["status"] == "mailed"
    with in_store(store_a):
        assert len(notifications_of(users.a_sales, "finance.invoice_issued")) == 1
        assert len(notifications_of(users.a_sales, "finance.invoice_mailed")) == 1


def test_mailing_before_issue_is_an_invalid_transition(api, store_a, users, order):
    invoice = _request(api(users.a_sales, store_a), order).json()
    response = api(users.a_finance, store_a).post(
        f"/api/v1/invoices/{invoice['id']}/mail", {"courier": "顺丰", "tracking_number": "SF1"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_issuing_twice_is_an_invalid_transition(api, store_a, users, order):
    invoice = _request(api(users.a_sales, store_a), order).json()
    finance = api(users.a_finance, store_a)
    assert _issue(finance, invoice["id"]).status_code == 200
    again = _issue(finance, invoice["id"], number="INV-0002")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_invoice_number_is_unique_in_the_store(api, store_a, users, order):
    client = api(users.a_sales, store_a)
    first, second = _request(client, order, "100.00").json(), _request(client, order, "100.00").json()
    finance = api(users.a_finance, store_a)
    assert _issue(finance, first["id"], number="INV-9").status_code == 200
    duplicate = _issue(finance, second["id"], number="INV-9")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_invoice_number"


def test_invoice_file_must_be_a_pdf_or_an_image(api, store_a, users, order, in_store):
    invoice = _request(api(users.a_sales, store_a), order).json()
    response = _issue(api(users.a_finance, store_a), invoice["id"], content=b"PK\x03\x04zip", name="x.pdf")
    assert response.status_code == 400 and response.json()["code"] == "invalid_file"
    with in_store(store_a):
        assert Invoice.objects.get(pk=invoice["id"]).status == "requested"


def test_only_the_requester_or_finance_can_cancel(api, store_a, users, in_store):
    with in_store(store_a):
        order = order_of(users.a_sales, "1000.00")
    invoice = _request(api(users.a_supervisor, store_a), order).json()  # the supervisor sees the team's orders
    refused = api(users.a_sales, store_a).post(f"/api/v1/invoices/{invoice['id']}/cancel")
    assert refused.status_code == 409
    assert (
        api(users.a_finance, store_a).post(f"/api/v1/invoices/{invoice['id']}/cancel").json()["status"] == "cancelled"
    )


def test_invoice_file_is_served_only_to_who_may_see_the_invoice(api, store_a, store_b, users, order):
    invoice = _request(api(users.a_sales, store_a), order).json()
    _issue(api(users.a_finance, store_a), invoice["id"], content=JPEG, name="scan.jpg")
    path = f"/api/v1/invoices/{invoice['id']}/file"
    response = api(users.a_sales, store_a).get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert api(users.a_sales2, store_a).get(path).status_code == 404
    assert api(users.b_admin, store_b).get(path).status_code == 404


def test_invoice_on_a_quotation_is_limited_by_its_amount(api, store_a, users, in_store):
    from django.utils import timezone

    from tenant_apps.sales.models import Quotation

    with in_store(store_a):
        quotation = Quotation.objects.create(
            number="Q-T-1",
            customer=make_customer(owner=users.a_sales),
            owner=users.a_sales,
            valid_until=timezone.now().date(),
            amount="300.00",
            list_amount="300.00",
        )
    client = api(users.a_sales, store_a)
    body = {"quotation": quotation.pk, **REQUEST}
    assert client.post("/api/v1/invoices", {**body, "amount": "300.01"}, format="json").status_code == 409
    created = client.post("/api/v1/invoices", {**body, "amount": "300.00"}, format="json")
    assert created.status_code == 201 and created.json()["quotation"] == quotation.pk
