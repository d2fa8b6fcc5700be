"""The pool API: release, pool list, claims and their decisions, releases audit, grade policies."""

from __future__ import annotations

import pytest

from tenant_apps.customers.models import Customer
from tenant_apps.pool import services
from tenant_apps.pool.models import Claim, GradePolicy
from tests.factories.accounts import MembershipFactory, access_of
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_owner_releases_through_the_api(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    response = api(users.a_sales, store_a).post(
        f"/api/v1/customers/{customer.pk}/release", {"reason": "No budget"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["in_pool"], body["owner"]) == (customer.pk, True, None)
    assert (body["release"]["cause"], body["release"]["reason"]) == ("manual", "No budget")


def test_release_of_an_invisible_customer_is_404(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2)
    response = api(users.a_sales, store_a).post(f"/api/v1/customers/{customer.pk}/release", {"reason": "x"})
    assert response.status_code == 404
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales2.pk


def test_release_without_reason_is_400_per_field(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    response = api(users.a_sales, store_a).post(f"/api/v1/customers/{customer.pk}/release", {"reason": ""})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "reason" in response.json()["errors"]


def test_releasing_a_pool_customer_is_409_invalid_transition(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
    response = api(users.a_supervisor, store_a).post(f"/api/v1/customers/{customer.pk}/release", {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_finance_cannot_release(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    response = api(users.a_finance, store_a).post(f"/api/v1/customers/{customer.pk}/release", {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_pool_lists_only_pool_customers_with_core_fields(api, store_a, users, in_store):
    with in_store(store_a):
        pooled = make_customer(name="In the pool")
        make_customer(owner=users.a_sales, name="Owned")
    response = api(users.a_sales2, store_a).get("/api/v1/pool")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [pooled.pk]
    for field in ("id", "name", "mobile", "channel", "tags", "grade", "owner", "in_pool", "next_follow_up_at"):
        assert field in rows[0]
    assert (rows[0]["pending_claims"], rows[0]["my_pending_claim"]) == (0, False)


def test_pool_filter_by_grade(api, store_a, users, in_store):
    with in_store(store_a):
        a = make_customer(grade="A")
        make_customer(grade="D")
    response = api(users.a_sales, store_a).get("/api/v1/pool?grade=A")
    assert [row["id"] for row in response.json()["results"]] == [a.pk]


def test_pool_bad_filter_is_400(api, store_a, users):
    response = api(users.a_sales, store_a).get("/api/v1/pool?days_in_pool=soon")
    assert response.status_code == 400
    assert "days_in_pool" in response.json()["errors"]


def test_claim_through_the_api_is_201_pending(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
    response = api(users.a_sales, store_a).post(
        "/api/v1/claims", {"customer": customer.pk, "reason": "Asked for a quote"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["applicant"]) == ("pending", users.a_sales.pk)


def test_claim_on_an_owned_customer_is_409_not_in_pool(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2)
    response = api(users.a_sales, store_a).post("/api/v1/claims", {"customer": customer.pk, "reason": "r"})
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_in_pool"
    with in_store(store_a):
        assert not Claim.objects.exists()


def test_admin_cannot_file_claims(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
    response = api(users.a_admin, store_a).post("/api/v1/claims", {"customer": customer.pk, "reason": "r"})
    assert response.status_code == 403


def test_salesperson_cannot_approve_a_claim(api, store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
    response = api(users.a_sales2, store_a).post(f"/api/v1/claims/{claim.pk}/approve")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    with in_store(store_a):
        assert Claim.objects.get(pk=claim.pk).status == "pending"


def test_supervisor_approves_a_claim_of_the_team(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        claim = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
    response = api(users.a_supervisor, store_a).post(f"/api/v1/claims/{claim.pk}/approve")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales.pk


def test_supervisor_of_another_team_gets_404(api, store_a, users, in_store):
    other = MembershipFactory(store=store_a, role="supervisor").user
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
    response = api(other, store_a).post(f"/api/v1/claims/{claim.pk}/approve")
    assert response.status_code == 404


def test_approving_a_decided_claim_is_409_invalid_transition(api, store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
        services.claim_reject(claim_id=claim.pk, access=access_of(users.a_supervisor), reason="no")
    response = api(users.a_supervisor, store_a).post(f"/api/v1/claims/{claim.pk}/approve")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_reject_takes_a_reason(api, store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
    client = api(users.a_supervisor, store_a)
    assert client.post(f"/api/v1/claims/{claim.pk}/reject", {"reason": ""}).status_code == 400
    response = client.post(f"/api/v1/claims/{claim.pk}/reject", {"reason": "Wrong region"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_reason"]) == ("rejected", "Wrong region")


def test_salesperson_sees_only_their_own_claims(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        mine = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales2), reason="r")
    response = api(users.a_sales, store_a).get("/api/v1/claims")
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_supervisor_sees_the_claims_of_the_team(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        for applicant in (users.a_sales, users.a_sales2):
            services.claim_create(customer_id=customer.pk, access=access_of(applicant), reason="r")
    response = api(users.a_supervisor, store_a).get("/api/v1/claims?status=pending")
    assert response.json()["count"] == 2


def test_claim_of_another_salesperson_is_404(api, store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales2), reason="r")
    assert api(users.a_sales, store_a).get(f"/api/v1/claims/{claim.pk}").status_code == 404


def test_releases_audit_is_scoped_by_former_owner(api, store_a, users, in_store):
    with in_store(store_a):
        mine = make_customer(owner=users.a_sales)
        theirs = make_customer(owner=users.a_sales2)
        services.release_customer(customer_id=mine.pk, access=access_of(users.a_sales), reason="r")
        services.release_customer(customer_id=theirs.pk, access=access_of(users.a_sales2), reason="r")
    own = api(users.a_sales, store_a).get("/api/v1/pool/releases").json()["results"]
    assert [row["customer"] for row in own] == [mine.pk]
    everything = api(users.a_admin, store_a).get("/api/v1/pool/releases").json()
    assert everything["count"] == 2


def test_policies_show_overrides_and_effective_rules(api, store_a, users, in_store):
    with in_store(store_a):
        GradePolicy.objects.create(grade="A", max_idle_days=60)
    body = api(users.a_sales, store_a).get("/api/v1/pool/policies").json()
    assert body["grades"]["A"] == {"grace_days": None, "max_idle_days": 60, "return_visit_days": None}
    assert body["effective"]["A"]["max_idle_days"] == 60
    assert body["effective"]["B"]["max_idle_days"] == 30


def test_admin_patches_grade_overrides(api, store_a, users, in_store):
    response = api(users.a_admin, store_a).patch(
        "/api/v1/pool/policies", {"grades": {"D": {"max_idle_days": 7, "grace_days": 1}}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["effective"]["D"]["max_idle_days"] == 7
    with in_store(store_a):
        assert GradePolicy.objects.get(grade="D").grace_days == 1


def test_invalid_grade_override_is_400_per_field_and_nothing_saved(api, store_a, users, in_store):
    response = api(users.a_admin, store_a).patch(
        "/api/v1/pool/policies",
        {"grades": {"A": {"max_idle_days": 60}, "B": {"grace_days": 0}, "Z": {"grace_days": 2}}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"grades.B.grace_days", "grades.Z"}
    with in_store(store_a):
        assert not GradePolicy.objects.exists()


def test_salesperson_cannot_patch_policies(api, store_a, users):
    response = api(users.a_sales, store_a).patch(
        "/api/v1/pool/policies", {"grades": {"A": {"max_idle_days": 90}}}, format="json"
    )
    assert response.status_code == 403
