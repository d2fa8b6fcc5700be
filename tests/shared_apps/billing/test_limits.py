"""Plan limits on seats and customers: 403 plan_limit_reached, nothing written; billing off means
the default plan."""

from __future__ import annotations

import pytest

from shared_apps.accounts.models import Membership, User
from shared_apps.billing.models import Account, Plan
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import customer_create_many
from tests.factories import access_of

pytestmark = pytest.mark.django_db

NEW_MEMBER = {"email": "new.member@example.com", "name": "New", "password": "Quiet-Harbour-2026", "role": "salesperson"}


def put_on_plan(store, **limits) -> Plan:
    plan = Plan.objects.create(code="tiny", name="Tiny", **limits)
    Account.objects.create(company="Alpha Ltd", plan=plan, store=store, state="active")
    return plan


def active_seats(store) -> int:
    return Membership.objects.filter(store=store, is_active=True).count()


def customer_count(store, in_store) -> int:
    with in_store(store):
        return Customer.objects.live().count()


def test_adding_a_member_beyond_the_seats_is_403_and_writes_nothing(stripe_on, store_a, users, api):
    put_on_plan(store_a, max_seats=active_seats(store_a))

    response = api(users.a_admin, store_a).post("/api/v1/members", NEW_MEMBER, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "plan_limit_reached")
    assert "Tiny" in response.json()["detail"]
    assert (response.json()["limit"], response.json()["plan"]) == ("seats", "tiny")
    assert not User.objects.filter(email=NEW_MEMBER["email"]).exists()


def test_adding_a_member_within_the_seats_works(stripe_on, store_a, users, api):
    put_on_plan(store_a, max_seats=active_seats(store_a) + 1)

    response = api(users.a_admin, store_a).post("/api/v1/members", NEW_MEMBER, format="json")

    assert response.status_code == 202, response.content
    invited = User.objects.get(email=NEW_MEMBER["email"])
    accepted = api(invited, store_a).post(f"/api/v1/invitations/{response.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.content


def test_accepting_an_invitation_beyond_the_seats_is_403(stripe_on, store_a, users, api):
    plan = put_on_plan(store_a, max_seats=active_seats(store_a) + 1)
    invitation = api(users.a_admin, store_a).post("/api/v1/members", NEW_MEMBER, format="json").json()
    Plan.objects.filter(pk=plan.pk).update(max_seats=active_seats(store_a))
    invited = User.objects.get(email=NEW_MEMBER["email"])

    response = api(invited, store_a).post(f"/api/v1/invitations/{invitation['id']}/accept")

    assert (response.status_code, response.json()["code"]) == (403, "plan_limit_reached")
    assert not Membership.objects.filter(user=invited, store=store_a).exists()


def test_reactivating_a_member_beyond_the_seats_is_refused(stripe_on, store_a, users, api):
    membership = Membership.objects.get(store=store_a, user=users.a_warehouse)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    put_on_plan(store_a, max_seats=active_seats(store_a))

    response = api(users.a_admin, store_a).patch(f"/api/v1/members/{membership.pk}", {"is_active": True}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "plan_limit_reached")
    assert not Membership.objects.get(pk=membership.pk).is_active


def test_creating_a_customer_beyond_the_limit_is_403_and_writes_nothing(stripe_on, store_a, users, api, in_store):
    before = customer_count(store_a, in_store)
    put_on_plan(store_a, max_customers=before)

    response = api(users.a_sales, store_a).post(
        "/api/v1/customers", {"name": "Li Lei", "mobile": "13800138000"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "plan_limit_reached")
    assert response.json()["limit"] == "customers"
    assert customer_count(store_a, in_store) == before


def test_a_batch_that_would_pass_the_limit_creates_none(stripe_on, store_a, users, in_store):
    from shared_apps.platform.limits import PlanLimitReached

    before = customer_count(store_a, in_store)
    put_on_plan(store_a, max_customers=before + 1)
    rows = [{"name": "Li Lei", "mobile": "13800138001"}, {"name": "Han Mei", "mobile": "13800138002"}]

    with in_store(store_a), pytest.raises(PlanLimitReached):
        customer_create_many(rows=rows, access=access_of(users.a_sales))

    assert customer_count(store_a, in_store) == before


def test_with_billing_off_the_default_plan_applies(stripe_off, store_a, users, api, settings):
    put_on_plan(store_a, max_seats=1)
    settings.BILLING_DEFAULT_PLAN = "pro"

    response = api(users.a_admin, store_a).post("/api/v1/members", NEW_MEMBER, format="json")

    assert response.status_code == 202, response.content
    assert stripe_off.sent == []


def test_with_billing_off_a_limited_default_plan_limits_every_store(stripe_off, store_a, users, api, settings):
    settings.BILLING_DEFAULT_PLAN = "trial"  # 3 seats; store A has more already

    response = api(users.a_admin, store_a).post("/api/v1/members", NEW_MEMBER, format="json")

    assert (response.status_code, response.json()["plan"]) == (403, "trial")


def test_a_store_without_a_billing_account_is_on_the_default_plan(stripe_on, store_a, users, api, settings):
    settings.BILLING_DEFAULT_PLAN = "pro"

    response = api(users.a_admin, store_a).post("/api/v1/members", NEW_MEMBER, format="json")

    assert response.status_code == 202, response.content


def test_the_catalogue_matches_the_seeded_plans():
    from shared_apps.billing.catalogue import CATALOGUE

    seeded = {
        plan.code: (plan.name, plan.max_seats, plan.max_customers, plan.trial_days, plan.order)
        for plan in Plan.objects.filter(code__in=CATALOGUE)
    }
    assert seeded == {
        code: (spec.name, spec.max_seats, spec.max_customers, spec.trial_days, spec.order)
        for code, spec in CATALOGUE.items()
    }


@pytest.mark.parametrize(("language", "label"), [("en", "Trial plan"), ("zh-hans", "试用版")])
def test_the_refusal_names_the_plan_in_the_readers_language(stripe_off, store_a, users, api, settings, language, label):
    settings.BILLING_DEFAULT_PLAN = "trial"

    response = api(users.a_admin, store_a).post(
        "/api/v1/members", NEW_MEMBER, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 403
    assert label in response.json()["detail"]
