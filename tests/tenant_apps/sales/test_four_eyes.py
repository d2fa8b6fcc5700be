"""Four eyes on every approval: quotations, claims, after-sales cases and payments confirmed by
the person who recorded them need someone other than the applicant; a one-person store approves
through its admin, and that is recorded; a caller without the permission hears 403 before any
state rule."""

from __future__ import annotations

import pytest

from shared_apps.accounts.models import Membership
from shared_apps.platform.models import AdminApproval
from tenant_apps.aftersales import services as aftersales_services
from tenant_apps.finance.models import Payment
from tenant_apps.pool import services as pool_services
from tenant_apps.sales.models import Quotation
from tests.dates import iso_day
from tests.factories import access_of
from tests.factories.sales import make_customer
from tests.tenant_apps.aftersales.helpers import lines_of, shipped_order
from tests.tenant_apps.finance.helpers import order_of
from tests.tenant_apps.pool.helpers import make_customer as pool_customer
from tests.tenant_apps.sales.conftest import lines

pytestmark = pytest.mark.django_db


def _pending_quotation(api, user, store, customer, product):
    body = {"customer": customer.pk, "lines": lines((product, 10, "30.00")), "valid_until": iso_day(10)}
    client = api(user, store)
    quotation = client.post("/api/v1/quotations", body, format="json").json()
    assert client.post(f"/api/v1/quotations/{quotation['id']}/submit").json()["status"] == "pending_approval"
    return quotation["id"]


def _only_the_admin_left(store, admin):
    for membership in Membership.objects.filter(store=store).exclude(user=admin):
        membership.is_active = False
        membership.save(update_fields=["is_active"])


def test_a_supervisor_cannot_approve_their_own_70_percent_off_quotation(api, users, store_a, catalogue, in_store):
    with in_store(store_a):
        customer = make_customer(name="Own", owner=users.a_supervisor)
    quotation = _pending_quotation(api, users.a_supervisor, store_a, customer, catalogue["p1"])

    response = api(users.a_supervisor, store_a).post(f"/api/v1/quotations/{quotation}/approve")

    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes_required"
    with in_store(store_a):
        assert Quotation.objects.get(pk=quotation).status == "pending_approval"
    assert api(users.a_admin, store_a).post(f"/api/v1/quotations/{quotation}/approve").status_code == 200


def test_a_salesperson_deciding_a_quotation_is_403_before_any_state_rule(api, users, store_a, catalogue, customer):
    body = {"customer": customer.pk, "lines": lines((catalogue["p1"], 1, "99.00")), "valid_until": iso_day(10)}
    draft = api(users.a_sales, store_a).post("/api/v1/quotations", body, format="json").json()

    for action in ("approve", "reject"):
        response = api(users.a_sales, store_a).post(f"/api/v1/quotations/{draft['id']}/{action}")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_a_salesperson_approving_their_own_case_is_403_not_409(api, users, store_a, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
        case = aftersales_services.case_apply(
            access=access_of(users.a_sales, store_a),
            order_id=order.pk,
            type="exchange",
            reason="r",
            items=lines_of(order, 1),
        )

    response = api(users.a_sales, store_a).post(f"/api/v1/after-sales/{case.pk}/approve")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_a_supervisor_cannot_approve_the_case_they_applied_for(api, users, store_a, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_supervisor)
        case = aftersales_services.case_apply(
            access=access_of(users.a_supervisor, store_a),
            order_id=order.pk,
            type="exchange",
            reason="r",
            items=lines_of(order, 1),
        )

    response = api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case.pk}/approve")

    assert (response.status_code, response.json()["code"]) == (403, "four_eyes_required")
    assert api(users.a_admin, store_a).post(f"/api/v1/after-sales/{case.pk}/approve").status_code == 200


def test_a_supervisor_cannot_approve_their_own_claim(api, users, store_a, in_store):
    with in_store(store_a):
        claim = pool_services.claim_create(
            customer_id=pool_customer().pk, access=access_of(users.a_supervisor, store_a), reason="r"
        )

    response = api(users.a_supervisor, store_a).post(f"/api/v1/claims/{claim.pk}/approve")

    assert (response.status_code, response.json()["code"]) == (403, "four_eyes_required")


def test_finance_cannot_confirm_a_payment_they_recorded(api, users, store_a, in_store):
    with in_store(store_a):
        order = order_of(users.a_sales, "1000.00")
    finance = api(users.a_finance, store_a)
    body = {"kind": "collection", "amount": "100.00", "method": "bank_transfer"}
    payment = finance.post(f"/api/v1/orders/{order.pk}/payments", body, format="json").json()

    response = finance.post(f"/api/v1/payments/{payment['id']}/confirm")

    assert (response.status_code, response.json()["code"]) == (403, "four_eyes_required")
    with in_store(store_a):
        assert Payment.objects.get(pk=payment["id"]).status == "pending"
    assert api(users.a_admin, store_a).post(f"/api/v1/payments/{payment['id']}/confirm").status_code == 200


def test_a_one_person_store_approves_through_its_admin_and_it_is_recorded(api, users, store_a, catalogue, in_store):
    _only_the_admin_left(store_a, users.a_admin)
    with in_store(store_a):
        customer = make_customer(name="Solo", owner=users.a_admin)
        order = order_of(users.a_admin, "1000.00")
    quotation = _pending_quotation(api, users.a_admin, store_a, customer, catalogue["p1"])
    admin = api(users.a_admin, store_a)
    payment = admin.post(
        f"/api/v1/orders/{order.pk}/payments",
        {"kind": "collection", "amount": "100.00", "method": "bank_transfer"},
        format="json",
    ).json()

    assert admin.post(f"/api/v1/quotations/{quotation}/approve").status_code == 200
    assert admin.post(f"/api/v1/payments/{payment['id']}/confirm").status_code == 200
    records = AdminApproval.objects.filter(store=store_a, user=users.a_admin)
    assert sorted((r.subject, r.object_id) for r in records) == sorted(
        [("quotation", quotation), ("payment", payment["id"])]
    )
