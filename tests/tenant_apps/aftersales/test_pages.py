"""Pages of after-sales: the list with its filters, a case with the actions the role allows, the
steps through htmx, and the application form opened from an order."""

from __future__ import annotations

import pytest

from tenant_apps.aftersales.models import Case
from tests.factories import access_of
from tests.tenant_apps.aftersales.helpers import apply_case, items_of, shipped_order

pytestmark = pytest.mark.django_db


def _case(store, users, order, **fields):
    fields.setdefault("type", "exchange")
    fields.setdefault("reason", "Wrong size")
    if fields["type"] != "refund_only":
        fields.setdefault("items", items_of(order, 1))
    return apply_case(access_of(users.a_sales, store), order, **fields)


def test_list_page_shows_visible_cases_and_filters_by_type(page_client, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(9,))
        exchange = _case(store_a, users, order)
        refund = _case(store_a, users, order, type="refund_only", amount="5.00")
    client = page_client(users.a_sales, store_a)
    page = client.get("/after-sales/")
    assert page.status_code == 200
    html = page.content.decode()
    assert exchange.number in html and refund.number in html
    filtered = client.get("/after-sales/?type=refund_only", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-table")
    html = filtered.content.decode()
    assert refund.number in html and exchange.number not in html
    assert "<html" not in html
    assert page_client(users.a_sales2, store_a).get("/after-sales/").content.decode().count(exchange.number) == 0


def test_supervisor_sees_decision_buttons_and_salesperson_does_not(page_client, store_a, users, in_store):
    with in_store(store_a):
        case = _case(store_a, users, shipped_order(users.a_sales))
    supervisor = page_client(users.a_supervisor, store_a).get(f"/after-sales/{case.pk}/").content.decode()
    assert 'data-testid="approve"' in supervisor and 'data-testid="reject"' in supervisor
    applicant = page_client(users.a_sales, store_a).get(f"/after-sales/{case.pk}/").content.decode()
    assert 'data-testid="approve"' not in applicant and 'data-testid="cancel"' in applicant


def test_approving_through_htmx_swaps_the_case_body(page_client, store_a, users, in_store):
    with in_store(store_a):
        case = _case(store_a, users, shipped_order(users.a_sales))
    response = page_client(users.a_supervisor, store_a).post(
        f"/after-sales/{case.pk}/approve/", {"comment": "OK"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="case-body"' in response.content.decode()
    with in_store(store_a):
        assert Case.objects.get(pk=case.pk).status == "approved"


def test_a_refused_step_shows_the_reason(page_client, store_a, users, in_store):
    with in_store(store_a):
        case = _case(store_a, users, shipped_order(users.a_sales))
    response = page_client(users.a_sales, store_a).post(f"/after-sales/{case.pk}/approve/", HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert 'data-testid="step-error"' in response.content.decode()
    with in_store(store_a):
        assert Case.objects.get(pk=case.pk).status == "pending_approval"


def test_apply_form_files_a_case(page_client, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(4, 2))
    client = page_client(users.a_sales, store_a)
    form = client.get(f"/after-sales/apply/{order.pk}/")
    assert form.status_code == 200
    assert f'name="qty_{order.line_ids[1]}"' in form.content.decode()
    response = client.post(
        f"/after-sales/apply/{order.pk}/",
        {"type": "return_refund", "reason": "Cracked", "amount": "100.00", f"qty_{order.line_ids[0]}": "2"},
    )
    assert response.status_code == 302
    with in_store(store_a):
        case = Case.objects.get(order_id=order.pk)
        assert response["Location"] == f"/after-sales/{case.pk}/"
        assert [(i.order_line_id, i.quantity) for i in case.items.all()] == [(order.line_ids[0], 2)]


def test_apply_form_shows_the_refusal_and_writes_nothing(page_client, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(4,), collected="100.00")
    response = page_client(users.a_sales, store_a).post(
        f"/after-sales/apply/{order.pk}/",
        {"type": "refund_only", "reason": "Late", "amount": "100.01"},
    )
    assert response.status_code == 422
    assert "100.00" in response.content.decode()
    with in_store(store_a):
        assert not Case.objects.exists()


def test_apply_form_of_an_invisible_order_is_404(page_client, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales2)
    assert page_client(users.a_sales, store_a).get(f"/after-sales/apply/{order.pk}/").status_code == 404


def test_warehouse_cannot_open_the_apply_form(page_client, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    assert page_client(users.a_warehouse, store_a).get(f"/after-sales/apply/{order.pk}/").status_code == 403


def test_navigation_shows_after_sales_with_a_badge_for_approvers(page_client, store_a, users, in_store):
    with in_store(store_a):
        _case(store_a, users, shipped_order(users.a_sales))
    html = page_client(users.a_supervisor, store_a).get("/after-sales/").content.decode()
    assert 'href="/after-sales/"' in html
    assert 'data-testid="to-decide"' in html


def test_case_page_of_an_invisible_case_is_404(page_client, store_a, users, in_store):
    with in_store(store_a):
        case = _case(store_a, users, shipped_order(users.a_sales))
    client = page_client(users.a_sales2, store_a)
    assert client.get(f"/after-sales/{case.pk}/").status_code == 404
    assert client.post(f"/after-sales/{case.pk}/cancel/").status_code == 404


@pytest.mark.parametrize("status", [s.value for s in Case.Status])
def test_case_page_renders_in_every_status(page_client, store_a, users, in_store, status):
    with in_store(store_a):
        case = _case(store_a, users, shipped_order(users.a_sales), type="return_refund", amount="0.00")
        Case.objects.filter(pk=case.pk).update(status=status)
    for user in (users.a_sales, users.a_supervisor, users.a_warehouse, users.hq_exec):
        response = page_client(user, store_a).get(f"/after-sales/{case.pk}/")
        assert response.status_code == 200
        assert f'data-status="{status}"' in response.content.decode()
