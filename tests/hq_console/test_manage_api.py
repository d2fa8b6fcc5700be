"""HQ store management API: domains, memberships, company policies, HQ announcements."""

from __future__ import annotations

import pytest

from hq_console.models import CompanyPolicy, HqAnnouncement
from shared_apps.accounts.models import Membership
from tenants.models import Domain

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def hq(api, user):
    return api(user, None)


# --- domains ----------------------------------------------------------------------------------


def test_hq_admin_adds_an_extra_domain(api, users, store_a):
    response = hq(api, users.hq_admin).post(
        f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": " Shop.Example.COM. "}
    )
    assert response.status_code == 201, response.content
    assert (response.json()["domain"], response.json()["is_primary"]) == ("shop.example.com", False)
    listed = hq(api, users.hq_exec).get(f"/api/v1/hq/stores/{store_a.pk}/domains").json()["results"]
    assert [d["domain"] for d in listed] == ["alpha.localhost", "shop.example.com"]
    assert listed[0]["is_primary"] is True


@pytest.mark.parametrize(
    "value", ["", "nodot", "-bad.example.com", "bad-.example.com", "a..b.com", "1.2.3.4", "x" * 64 + ".com", "a b.com"]
)
def test_invalid_hostnames_are_400(api, users, store_a, value):
    response = hq(api, users.hq_admin).post(f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert not Domain.objects.filter(tenant=store_a, is_primary=False).exists()


def test_names_under_the_base_domain_are_refused(api, users, store_a):
    response = hq(api, users.hq_admin).post(f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": "other.localhost"})
    assert response.status_code == 400


def test_a_domain_belongs_to_one_store(api, users, store_a, store_b):
    client = hq(api, users.hq_admin)
    assert client.post(f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": "shop.example.com"}).status_code == 201
    response = client.post(f"/api/v1/hq/stores/{store_b.pk}/domains", {"domain": "SHOP.example.com"})
    assert (response.status_code, response.json()["code"]) == (409, "domain_taken")
    response = client.post(f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": "bravo.localhost"})
    assert response.status_code in (400, 409)


def test_extra_domain_is_removed_but_not_the_primary(api, users, store_a):
    client = hq(api, users.hq_admin)
    extra = client.post(f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": "shop.example.com"}).json()["id"]
    primary = Domain.objects.get(tenant=store_a, is_primary=True).pk
    response = client.delete(f"/api/v1/hq/stores/{store_a.pk}/domains/{primary}")
    assert (response.status_code, response.json()["code"]) == (409, "primary_domain")
    assert client.delete(f"/api/v1/hq/stores/{store_a.pk}/domains/{extra}").status_code == 204
    assert not Domain.objects.filter(pk=extra).exists()
    assert Domain.objects.filter(pk=primary).exists()


def test_a_domain_of_another_store_is_404(api, users, store_a, store_b):
    other = Domain.objects.get(tenant=store_b, is_primary=True).pk
    assert hq(api, users.hq_admin).delete(f"/api/v1/hq/stores/{store_a.pk}/domains/{other}").status_code == 404
    assert Domain.objects.filter(pk=other).exists()


def test_an_extra_domain_routes_to_its_store(api, users, store_a, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "shop.example.com"]
    hq(api, users.hq_admin).post(f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": "shop.example.com"})
    from rest_framework.test import APIClient

    from shared_apps.accounts.services import token_create

    _token, value = token_create(user=users.a_admin)
    client = APIClient(HTTP_HOST="shop.example.com", HTTP_AUTHORIZATION=f"Bearer {value}")
    response = client.get("/api/v1/me")
    assert response.status_code == 200, response.content


def test_executive_cannot_add_domains(api, users, store_a):
    response = hq(api, users.hq_exec).post(f"/api/v1/hq/stores/{store_a.pk}/domains", {"domain": "x.example.com"})
    assert response.status_code == 403


def test_unknown_store_is_404(api, users):
    assert hq(api, users.hq_admin).get("/api/v1/hq/stores/999999/domains").status_code == 404


# --- members ----------------------------------------------------------------------------------


def test_hq_lists_a_stores_members(api, users, store_a):
    response = hq(api, users.hq_exec).get(f"/api/v1/hq/stores/{store_a.pk}/members?page_size=200")
    assert response.status_code == 200
    emails = {row["email"] for row in response.json()["results"]}
    assert users.a_sales.email in emails and users.b_sales.email not in emails


def test_hq_admin_adds_an_existing_user_to_a_store(api, users, store_b):
    response = hq(api, users.hq_admin).post(
        f"/api/v1/hq/stores/{store_b.pk}/members", {"email": users.a_sales.email, "role": "supervisor"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Membership.objects.get(user=users.a_sales, store=store_b).role == "supervisor"


def test_hq_admin_changes_role_supervisor_and_activity(api, users, store_a):
    membership = Membership.objects.get(user=users.a_finance, store=store_a)
    client = hq(api, users.hq_admin)
    url = f"/api/v1/hq/stores/{store_a.pk}/members/{membership.pk}"
    response = client.patch(url, {"role": "salesperson", "supervisor": users.a_supervisor.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["supervisor"]) == ("salesperson", users.a_supervisor.pk)
    assert client.patch(url, {"is_active": False}, format="json").json()["is_active"] is False


def test_the_last_admin_cannot_be_demoted_from_hq(api, users, store_b):
    membership = Membership.objects.get(user=users.b_admin, store=store_b)
    response = hq(api, users.hq_admin).patch(
        f"/api/v1/hq/stores/{store_b.pk}/members/{membership.pk}", {"role": "finance"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "last_admin")
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_a_membership_of_another_store_is_404(api, users, store_a, store_b):
    membership = Membership.objects.get(user=users.b_sales, store=store_b)
    response = hq(api, users.hq_admin).patch(
        f"/api/v1/hq/stores/{store_a.pk}/members/{membership.pk}", {"role": "admin"}, format="json"
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == "salesperson"


def test_executive_cannot_change_members(api, users, store_a):
    membership = Membership.objects.get(user=users.a_finance, store=store_a)
    response = hq(api, users.hq_exec).patch(
        f"/api/v1/hq/stores/{store_a.pk}/members/{membership.pk}", {"role": "admin"}, format="json"
    )
    assert response.status_code == 403


# --- policies ---------------------------------------------------------------------------------


def test_policies_have_the_store_defaults_until_set(api, users):
    body = hq(api, users.hq_exec).get("/api/v1/hq/policies").json()
    assert (body["discount_threshold"], body["pool_grace_days"], body["pool_ownership_cap"]) == ("0.900", 3, 500)


def test_hq_admin_changes_policies(api, users):
    response = hq(api, users.hq_admin).patch(
        "/api/v1/hq/policies", {"discount_threshold": "0.85", "pool_max_idle_days": 20}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["discount_threshold"], response.json()["pool_max_idle_days"]) == ("0.850", 20)
    assert response.json()["updated_by"] == users.hq_admin.pk


@pytest.mark.parametrize(
    "data",
    [
        {"discount_threshold": "1.5"},
        {"discount_threshold": "0.1234"},
        {"pool_grace_days": 0},
        {"pool_ownership_cap": "x"},
    ],
)
def test_bad_policy_values_are_400_and_nothing_changes(api, users, data):
    response = hq(api, users.hq_admin).patch("/api/v1/hq/policies", {**data, "pool_max_idle_days": 9}, format="json")
    assert response.status_code == 400, response.content
    assert not CompanyPolicy.objects.exists()


def test_executive_cannot_change_policies(api, users):
    assert hq(api, users.hq_exec).patch("/api/v1/hq/policies", {"pool_grace_days": 5}, format="json").status_code == 403


# --- HQ announcements -------------------------------------------------------------------------


def test_hq_admin_sends_an_announcement_to_chosen_stores(api, users, store_a):
    response = hq(api, users.hq_admin).post(
        "/api/v1/hq/announcements", {"title": "Audit next week", "stores": [store_a.pk]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["stores"], response.json()["all_stores"]) == ([store_a.pk], False)
    assert hq(api, users.hq_exec).get("/api/v1/hq/announcements").json()["count"] == 1


@pytest.mark.parametrize(
    "data",
    [
        {"title": "x"},
        {"title": "x", "all_stores": True, "stores": [1]},
        {"title": "", "all_stores": True},
        {"title": "x", "stores": [999999]},
    ],
)
def test_bad_announcements_are_400(api, users, data):
    response = hq(api, users.hq_admin).post("/api/v1/hq/announcements", data, format="json")
    assert response.status_code == 400, response.content
    assert not HqAnnouncement.objects.exists()


def test_executive_cannot_send_announcements(api, users):
    response = hq(api, users.hq_exec).post(
        "/api/v1/hq/announcements", {"title": "x", "all_stores": True}, format="json"
    )
    assert response.status_code == 403


# --- who may reach these endpoints ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/hq/policies",
        "/api/v1/hq/announcements",
        "/api/v1/hq/stores/{a}/domains",
        "/api/v1/hq/stores/{a}/members",
    ],
)
def test_store_users_cannot_reach_hq_management(api, users, store_a, path):
    path = path.format(a=store_a.pk)
    assert hq(api, users.a_admin).get(path).status_code == 403
    assert api(users.a_admin, store_a).get(path).status_code == 404
    assert hq(api, None).get(path).status_code == 401
