"""Pool pages: the pool with claims filed in place, the claims page and its approval queue, the
per-grade policies page and the release form."""

from __future__ import annotations

import pytest

from tenant_apps.customers.models import Customer
from tenant_apps.pool import services
from tenant_apps.pool.models import Claim, GradePolicy
from tenant_apps.workspace.services import store_settings_update
from tests.factories.accounts import access_of
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}


def html(response) -> str:
    return response.content.decode()


def test_navigation_shows_pool_and_claims_to_salespeople(page_client, store_a, users):
    page = html(page_client(users.a_sales, store_a).get("/", **EN))
    assert 'href="/pool/" data-nav="pool"' in page
    assert 'href="/pool/claims/" data-nav="claims"' in page


def test_navigation_hides_the_pool_from_finance(page_client, store_a, users):
    page = html(page_client(users.a_finance, store_a).get("/", **EN))
    assert 'data-nav="pool"' not in page
    assert page_client(users.a_finance, store_a).get("/pool/").status_code == 403


def test_pool_page_lists_pool_customers_only(page_client, store_a, users, in_store):
    with in_store(store_a):
        make_customer(name="Pooled Pallets Co")
        make_customer(name="Owned Crates Co", owner=users.a_sales2)
    page = html(page_client(users.a_sales, store_a).get("/pool/", **EN))
    assert "Pooled Pallets Co" in page
    assert "Owned Crates Co" not in page
    assert 'data-testid="claim-button"' in page


def test_pool_page_filters_with_htmx(page_client, store_a, users, in_store):
    with in_store(store_a):
        make_customer(name="Grade A Buyer", grade="A")
        make_customer(name="Grade D Buyer", grade="D")
    response = page_client(users.a_sales, store_a).get("/pool/?grade=D", HTTP_HX_TARGET="pool-table", **HTMX)
    page = html(response)
    assert page.lstrip().startswith('<div id="pool-table"')
    assert "Grade D Buyer" in page and "Grade A Buyer" not in page


def test_claim_form_files_a_claim(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
    client = page_client(users.a_sales, store_a)
    assert 'data-testid="claim-form"' in html(client.get(f"/pool/{customer.pk}/claim/", **HTMX))
    response = client.post(f"/pool/{customer.pk}/claim/", {"reason": "Asked for pallets"}, **HTMX)
    assert response.status_code == 200
    assert 'data-testid="claim-filed"' in html(response)
    with in_store(store_a):
        assert Claim.objects.get(customer=customer).applicant_id == users.a_sales.pk


def test_claim_refusal_is_shown_inline_with_the_rule(page_client, store_a, users, in_store):
    with in_store(store_a):
        store_settings_update(pool_ownership_cap=1)
        make_customer(owner=users.a_sales)
        customer = make_customer()
    response = page_client(users.a_sales, store_a).post(f"/pool/{customer.pk}/claim/", {"reason": "More"}, **HTMX)
    assert response.status_code == 422
    page = html(response)
    assert 'data-testid="claim-refused"' in page and "Ownership cap" in page
    with in_store(store_a):
        assert not Claim.objects.exists()


def test_claim_without_reason_is_shown_inline(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
    response = page_client(users.a_sales, store_a).post(f"/pool/{customer.pk}/claim/", {"reason": ""}, **HTMX)
    assert response.status_code == 422
    assert "A reason is required." in html(response)


def test_claims_page_shows_my_claims_without_a_queue_to_salespeople(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(name="Mine To Claim")
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="Because")
    page = html(page_client(users.a_sales, store_a).get("/pool/claims/", **EN))
    assert 'data-testid="my-claims"' in page and "Mine To Claim" in page
    assert 'data-testid="claims-queue"' not in page


def test_supervisor_approves_from_the_queue(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(name="Queue Customer")
        claim = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="Because")
    client = page_client(users.a_supervisor, store_a)
    queue = html(client.get("/pool/claims/", **EN))
    assert 'data-testid="claims-queue"' in queue and "Queue Customer" in queue
    response = client.post(f"/pool/claims/{claim.pk}/approve/", **HTMX)
    assert response.status_code == 200
    assert 'data-status="approved"' in html(response)
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales.pk


def test_reject_without_reason_shows_the_error_in_the_row(page_client, store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="Because")
    response = page_client(users.a_supervisor, store_a).post(f"/pool/claims/{claim.pk}/reject/", {"reason": ""}, **HTMX)
    assert response.status_code == 422
    assert 'data-testid="decision-error"' in html(response)
    with in_store(store_a):
        assert Claim.objects.get(pk=claim.pk).status == "pending"


def test_salesperson_cannot_post_an_approval(page_client, store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="Because")
    response = page_client(users.a_sales2, store_a).post(f"/pool/claims/{claim.pk}/approve/", **HTMX)
    assert response.status_code == 403
    with in_store(store_a):
        assert Claim.objects.get(pk=claim.pk).status == "pending"


def test_policies_page_is_for_admins(page_client, store_a, users):
    assert page_client(users.a_admin, store_a).get("/pool/policies/", **EN).status_code == 200
    assert page_client(users.a_supervisor, store_a).get("/pool/policies/", **EN).status_code == 403


def test_admin_saves_grade_overrides_on_the_policies_page(page_client, store_a, users, in_store):
    response = page_client(users.a_admin, store_a).post("/pool/policies/", {"A_max_idle_days": "90"}, **HTMX)
    assert response.status_code == 200
    assert 'data-testid="policies-saved"' in html(response)
    with in_store(store_a):
        assert GradePolicy.objects.get(grade="A").max_idle_days == 90


def test_out_of_range_override_is_shown_and_not_saved(page_client, store_a, users, in_store):
    response = page_client(users.a_admin, store_a).post("/pool/policies/", {"B_grace_days": "0"}, **HTMX)
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 3650." in html(response)
    with in_store(store_a):
        assert not GradePolicy.objects.exists()


def test_release_form_puts_the_customer_in_the_pool(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    client = page_client(users.a_sales, store_a)
    assert 'data-testid="release-form"' in html(client.get(f"/pool/release/{customer.pk}/", **HTMX))
    response = client.post(f"/pool/release/{customer.pk}/", {"reason": "Lost contact"}, **HTMX)
    assert 'data-testid="released"' in html(response)
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).owner_id is None


def test_release_form_of_another_salespersons_customer_is_404(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2)
    assert page_client(users.a_sales, store_a).get(f"/pool/release/{customer.pk}/", **HTMX).status_code == 404


def test_claim_link_opens_a_page_with_the_form(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(name="Linked Customer")
    page = html(page_client(users.a_sales, store_a).get(f"/pool/{customer.pk}/claim/", **EN))
    assert "<html" in page and 'data-testid="claim-form"' in page and "Claim Linked Customer" in page


def test_claim_form_of_an_owned_customer_is_404(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    assert page_client(users.a_sales, store_a).get(f"/pool/{customer.pk}/claim/", **EN).status_code == 404


def test_release_without_htmx_returns_to_the_customer_page(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    response = page_client(users.a_sales, store_a).post(f"/pool/release/{customer.pk}/", {"reason": "Done"}, **EN)
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"


def test_release_page_without_reason_shows_the_error(page_client, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    response = page_client(users.a_sales, store_a).post(f"/pool/release/{customer.pk}/", {"reason": ""}, **EN)
    assert response.status_code == 422
    assert "<html" in html(response) and "A reason is required." in html(response)
