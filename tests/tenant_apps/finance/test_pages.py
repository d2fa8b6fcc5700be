"""Pages of finance: the finance centre with totals and inline decisions, receivables, invoices,
and the order page's forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenant_apps.finance import services
from tenant_apps.finance.models import Invoice, Payment
from tests.factories import access_of
from tests.tenant_apps.finance.helpers import PDF, order_of, record, upload


@pytest.fixture
def order(store_a, users, in_store):
    with in_store(store_a):
        return order_of(users.a_sales, "1000.00", due_date=date(2020, 1, 1))


def _pending(store_a, in_store, order, users, amount="100.00"):
    with in_store(store_a):
        return record(order, users.a_sales, kind="collection", amount=amount, method="cash")


def test_finance_centre_lists_records_with_totals(page_client, store_a, users, order, in_store):
    _pending(store_a, in_store, order, users)
    response = page_client(users.a_finance, store_a).get("/finance/")
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html and 'data-total="pending-collection">¥100.00' in html
    assert 'data-testid="confirm"' in html


def test_salesperson_sees_the_centre_without_decision_buttons(page_client, store_a, users, order, in_store):
    _pending(store_a, in_store, order, users)
    html = page_client(users.a_sales, store_a).get("/finance/").content.decode()
    assert order.number in html and 'data-testid="confirm"' not in html


def test_confirm_inline_with_htmx_swaps_the_row(page_client, store_a, users, order, in_store):
    payment = _pending(store_a, in_store, order, users)
    response = page_client(users.a_finance, store_a).post(
        f"/finance/payments/{payment.pk}/confirm/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="payment-row-{payment.pk}"' in response.content.decode()
    with in_store(store_a):
        assert Payment.objects.get(pk=payment.pk).status == "confirmed"


def test_reject_inline_without_reason_shows_the_error(page_client, store_a, users, order, in_store):
    payment = _pending(store_a, in_store, order, users)
    response = page_client(users.a_finance, store_a).post(
        f"/finance/payments/{payment.pk}/reject/", {"reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and 'data-testid="decision-error"' in response.content.decode()


def test_salesperson_cannot_confirm_from_a_page(page_client, store_a, users, order, in_store):
    payment = _pending(store_a, in_store, order, users)
    response = page_client(users.a_sales, store_a).post(f"/finance/payments/{payment.pk}/confirm/")
    assert response.status_code == 403


def test_receivables_page_lists_the_overdue_order(page_client, store_a, users, order):
    response = page_client(users.a_finance, store_a).get("/finance/receivables/")
    assert response.status_code == 200 and order.number in response.content.decode()


def test_add_payment_form_records_a_payment_with_a_voucher(page_client, store_a, users, order, in_store):
    response = page_client(users.a_sales, store_a).post(
        f"/finance/orders/{order.pk}/payments/new/",
        {"kind": "collection", "amount": "200.00", "method": "alipay", "note": "", "voucher": upload(PDF, "v.pdf")},
    )
    assert response.status_code == 302
    with in_store(store_a):
        payment = Payment.objects.get(order=order)
        assert payment.vouchers.count() == 1


def test_add_payment_form_sent_by_htmx_lands_on_the_order(page_client, store_a, users, order, in_store):
    response = page_client(users.a_sales, store_a).post(
        f"/finance/orders/{order.pk}/payments/new/",
        {"kind": "collection", "amount": "200.00", "method": "alipay"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/sales/orders/{order.pk}/"
    with in_store(store_a):
        assert Payment.objects.filter(order=order, amount="200.00").exists()


def test_add_payment_form_shows_over_collection(page_client, store_a, users, order, in_store):
    response = page_client(users.a_sales, store_a).post(
        f"/finance/orders/{order.pk}/payments/new/",
        {"kind": "collection", "amount": "1000.01", "method": "alipay"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    with in_store(store_a):
        assert not Payment.objects.filter(order=order).exists()


def test_invoice_pages_request_issue_and_show(page_client, store_a, users, order, in_store):
    sales = page_client(users.a_sales, store_a)
    response = sales.post(
        f"/finance/orders/{order.pk}/invoices/new/",
        {"title": "T", "tax_number": "N1", "amount": "10.00", "invoice_type": "vat_general", "address": "A"},
    )
    assert response.status_code == 302
    with in_store(store_a):
        invoice = Invoice.objects.get(order=order)
    finance = page_client(users.a_finance, store_a)
    assert 'data-testid="issue-form"' in finance.get(f"/finance/invoices/{invoice.pk}/").content.decode()
    issued = finance.post(f"/finance/invoices/{invoice.pk}/issue/", {"number": "P-1", "file": upload(PDF, "i.pdf")})
    assert issued.status_code == 302
    assert "P-1" in finance.get("/finance/invoices/").content.decode()
    assert sales.get(f"/finance/invoices/{invoice.pk}/file/").status_code == 200


def test_order_panel_provider_gives_the_money_summary(store_a, users, order, in_store):
    from tenant_apps.finance.panels import order_finance_panel

    _pending(store_a, in_store, order, users, amount="250.00")
    with in_store(store_a):
        panel = order_finance_panel(order=order, access=access_of(users.a_sales, store_a))
    assert panel["money"]["outstanding"] == "1000.00" and panel["money"]["pending"]["collection"] == "250.00"
    assert panel["can_add_payment"] and not panel["can_confirm"]
    assert [p["amount"] for p in panel["payments"]] == ["250.00"]


def test_order_forms_render_as_pages_and_as_htmx_fragments(page_client, store_a, users, order):
    client = page_client(users.a_sales, store_a)
    for path in (f"/finance/orders/{order.pk}/payments/new/", f"/finance/orders/{order.pk}/invoices/new/"):
        page = client.get(path)
        fragment = client.get(path, HTTP_HX_REQUEST="true")
        assert page.status_code == 200 and "<html" in page.content.decode()
        assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
        assert "csrfmiddlewaretoken" in fragment.content.decode()


def test_order_panel_template_renders_records_vouchers_and_invoices(store_a, users, order, in_store, rf):
    from django.template.loader import render_to_string

    from tenant_apps.finance.panels import order_finance_panel

    with in_store(store_a):
        record(order, users.a_sales, kind="collection", amount="10.00", method="cash", vouchers=[upload(PDF)])
        services.invoice_request(
            access=access_of(users.a_sales),
            order=order,
            title="T",
            tax_number="N",
            amount=Decimal("5.00"),
            invoice_type="vat_general",
            address="A",
        )
        panel = order_finance_panel(order=order, access=access_of(users.a_sales, store_a))
        html = render_to_string("finance/order_panel.html", {"panel": panel, "order": order}, request=rf.get("/"))
    assert 'data-testid="finance-panel"' in html
    assert panel["payments"][0]["vouchers"][0]["url"] in html
    assert panel["invoices"][0]["url"] in html


def test_confirm_on_a_cancelled_order_is_refused(store_a, users, order, in_store):
    from django.utils import timezone

    from shared_apps.platform.errors import DomainError
    from tenant_apps.sales.models import Order

    payment = _pending(store_a, in_store, order, users)
    with in_store(store_a):
        Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED, cancelled_at=timezone.now())
        with pytest.raises(DomainError) as excinfo:
            services.payment_confirm(access=access_of(users.a_finance), payment_id=payment.pk)
        assert excinfo.value.code == "order_cancelled"
        assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_the_add_payment_form_of_a_cancelled_order_offers_only_a_refund(page_client, store_a, users, order, in_store):
    from tenant_apps.sales.models import Order

    client = page_client(users.a_sales, store_a)
    before = client.get(f"/finance/orders/{order.pk}/payments/new/").content.decode()
    assert 'value="collection"' in before and 'value="refund"' in before
    with in_store(store_a):
        Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)

    html = client.get(f"/finance/orders/{order.pk}/payments/new/").content.decode()
    kinds = html.split('name="kind"', 1)[1].split("</select>", 1)[0]
    assert 'value="refund"' in kinds
    assert 'value="collection"' not in kinds and 'value="supplement"' not in kinds

    refused = client.post(
        f"/finance/orders/{order.pk}/payments/new/", {"kind": "collection", "amount": "10.00", "method": "cash"}
    )
    assert refused.status_code == 422
    with in_store(store_a):
        assert not Payment.objects.filter(order=order).exists()
