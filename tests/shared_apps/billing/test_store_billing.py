"""The store's billing API and page: Checkout and Portal through the Stripe SDK (HTTP replaced at
the transport; the requests sent are checked)."""

from __future__ import annotations

import pytest

from shared_apps.billing.models import Account, Plan
from tenants.models import Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(store_a, users):
    return Account.objects.create(
        company="Alpha Ltd", owner=users.a_admin, plan=Plan.objects.get(code="trial"), store=store_a, state="trialing"
    )


def test_billing_summary_shows_plan_state_and_seats(account, store_a, users, api, stripe_on):
    response = api(users.a_admin, store_a).get("/api/v1/billing")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["plan"]["code"], data["state"], data["billing_enabled"]) == ("trial", "trialing", True)
    assert data["seats_used"] == 6
    assert {p["code"]: p["purchasable"] for p in data["plans"]} == {"trial": False, "standard": True, "pro": True}


def test_billing_is_for_store_admins_only(store_a, users, api, stripe_on):
    assert api(users.a_sales, store_a).get("/api/v1/billing").status_code == 403
    assert api(users.a_sales, store_a).post("/api/v1/billing/checkout", {"plan": "pro"}).status_code == 403


def test_checkout_creates_the_stripe_customer_then_a_subscription_session(account, store_a, users, api, stripe_on):
    response = api(users.a_admin, store_a).post("/api/v1/billing/checkout", {"plan": "standard"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["url"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    customer, session = stripe_on.sent
    assert (customer.method, customer.path) == ("POST", "/v1/customers")
    assert customer.params["email"] == users.a_admin.email
    assert customer.params["metadata[account]"] == str(account.pk)
    assert customer.headers["Authorization"] == "Bearer sk_test_billing"
    assert (session.method, session.path) == ("POST", "/v1/checkout/sessions")
    assert session.params["mode"] == "subscription"
    assert session.params["customer"] == "cus_test_1"
    assert session.params["line_items[0][price]"] == "price_standard_test"
    assert session.params["client_reference_id"] == str(account.pk)
    assert session.params["success_url"].startswith("http://alpha.localhost")
    assert Account.objects.get(pk=account.pk).stripe_customer_id == "cus_test_1"


def test_checkout_reuses_the_stripe_customer(account, store_a, users, api, stripe_on):
    Account.objects.filter(pk=account.pk).update(stripe_customer_id="cus_existing")

    api(users.a_admin, store_a).post("/api/v1/billing/checkout", {"plan": "pro"}, format="json")

    assert [sent.path for sent in stripe_on.sent] == ["/v1/checkout/sessions"]
    assert stripe_on.sent[0].params["customer"] == "cus_existing"


def test_checkout_of_a_plan_without_price_is_400(account, store_a, users, api, stripe_on):
    response = api(users.a_admin, store_a).post("/api/v1/billing/checkout", {"plan": "trial"}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "unknown_plan")
    assert stripe_on.sent == []


def test_portal_returns_the_billing_portal_url(account, store_a, users, api, stripe_on):
    Account.objects.filter(pk=account.pk).update(stripe_customer_id="cus_existing")

    response = api(users.a_admin, store_a).post("/api/v1/billing/portal")

    assert response.json()["url"] == "https://billing.stripe.com/p/session/test_1"
    (sent,) = stripe_on.sent
    assert (sent.path, sent.params["customer"]) == ("/v1/billing_portal/sessions", "cus_existing")
    assert sent.params["return_url"] == "http://alpha.localhost:8000/billing/"


def test_a_read_only_store_can_still_pay(account, store_a, users, api, stripe_on):
    Store.objects.filter(pk=store_a.pk).update(status="read_only")
    Account.objects.filter(pk=account.pk).update(stripe_customer_id="cus_existing")
    store_a.status = "read_only"

    response = api(users.a_admin, store_a).post("/api/v1/billing/portal")

    assert response.status_code == 200, response.content


def test_with_billing_off_checkout_is_409_and_stripe_is_never_called(account, store_a, users, api, stripe_off):
    response = api(users.a_admin, store_a).post("/api/v1/billing/checkout", {"plan": "pro"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "billing_disabled")
    assert stripe_off.sent == []


def test_a_store_made_by_hq_gets_an_account_at_its_first_checkout(store_a, users, api, stripe_on):
    response = api(users.a_admin, store_a).post("/api/v1/billing/checkout", {"plan": "pro"}, format="json")

    assert response.status_code == 200, response.content
    assert Account.objects.get(store=store_a).stripe_customer_id == "cus_test_1"


def test_the_billing_page_shows_the_plan_in_the_readers_language(account, store_a, users, page_client, stripe_on):
    client = page_client(users.a_admin, store_a)
    english = client.get("/billing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/billing/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert '<dd class="col-6">Trial plan</dd>' in english
    assert '<td class="fw-medium">Standard plan</td>' in english and '<td class="fw-medium">Pro plan</td>' in english
    assert '<dd class="col-6">试用版</dd>' in chinese
    assert ">Standard plan<" not in chinese and ">Trial<" not in chinese


def test_a_plan_without_a_label_shows_its_stored_name():
    from shared_apps.billing.models import Plan

    assert Plan(code="custom", name="Custom deal").label == "Custom deal"


def test_the_billing_page_checkout_redirects_to_stripe(account, store_a, users, page_client, stripe_on):
    response = page_client(users.a_admin, store_a).post("/billing/checkout/", {"plan": "pro"})

    assert (response.status_code, response["Location"]) == (302, "https://checkout.stripe.com/c/pay/cs_test_1")
