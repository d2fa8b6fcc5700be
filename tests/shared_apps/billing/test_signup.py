"""Self-service signup on the public host: validation, the owner, provisioning, the status to poll."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_exists

from shared_apps.accounts.models import Membership, User
from shared_apps.billing.models import Account
from tenants.models import Provisioning, Store
from tenants.routing import hq_url, schema_name_for

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
STRONG = "Quiet-Harbour-2026"


def body(**overrides) -> dict:
    data = {
        "company": "Hangzhou Pallet Co.",
        "store_name": "Tmall pallet shop",
        "subdomain": "hz-pallets",
        "owner_email": "owner@hz-pallets.example",
        "owner_password": STRONG,
        "plan": "trial",
    }
    data.update(overrides)
    return data


def nothing_written(email: str = "owner@hz-pallets.example", subdomain: str = "hz-pallets") -> bool:
    return (
        not User.objects.filter(email=email).exists()
        and not Account.objects.exists()
        and not Provisioning.objects.filter(subdomain=subdomain).exists()
    )


def signup(api, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return api(None, None).post("/api/v1/signup", body(**overrides), format="json")


def test_signup_answers_202_with_a_status_url(api, django_capture_on_commit_callbacks):
    response = signup(api, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    data = response.json()
    assert data["status"] == "provisioning"
    assert data["status_url"].endswith(f"/api/v1/signup/{data['id']}")
    assert response["Location"] == data["status_url"]


def test_signed_up_store_is_ready_and_the_owner_uses_it_with_a_token(api, django_capture_on_commit_callbacks):
    signup_id = signup(api, django_capture_on_commit_callbacks).json()["id"]

    status = api(None, None).get(f"/api/v1/signup/{signup_id}").json()
    assert (status["status"], status["error"]) == ("ready", None)
    assert status["store_url"].startswith("http://hz-pallets.localhost")

    store_client = api(None, None)
    store_client.defaults["HTTP_HOST"] = "hz-pallets.localhost"
    token = store_client.post(
        "/api/v1/auth/token", {"email": "owner@hz-pallets.example", "password": STRONG}, format="json"
    ).json()["token"]
    store_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = store_client.get("/api/v1/me")
    assert me.status_code == 200, me.content
    assert me.json()["role"] == "admin"


def test_signup_makes_the_billing_account_of_the_new_store(api, django_capture_on_commit_callbacks):
    signup(api, django_capture_on_commit_callbacks, plan="standard")

    account = Account.objects.select_related("store", "plan", "owner").get()
    assert (account.company, account.plan.code, account.owner.email) == (
        "Hangzhou Pallet Co.",
        "standard",
        "owner@hz-pallets.example",
    )
    assert account.store.subdomain == "hz-pallets"
    assert account.store.subsidiary_id is None
    assert account.state == "trialing" and account.trial_ends_at is not None


@pytest.mark.parametrize(
    ("subdomain", "code"),
    [("signup", "subdomain_reserved"), ("tpl-store", "subdomain_reserved"), ("Bad_Name", "subdomain_invalid")],
)
def test_signup_refuses_a_bad_subdomain_and_writes_nothing(api, subdomain, code):
    response = api(None, None).post("/api/v1/signup", body(subdomain=subdomain), format="json")

    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert response.json()["code"] == code
    assert "subdomain" in response.json()["errors"]
    assert nothing_written(subdomain=subdomain)


def test_signup_for_a_taken_subdomain_is_409(api, store_a):
    records = Provisioning.objects.count()

    response = api(None, None).post("/api/v1/signup", body(subdomain=store_a.subdomain), format="json")

    assert (response.status_code, response.json()["code"]) == (409, "subdomain_taken")
    assert Provisioning.objects.count() == records
    assert not Account.objects.exists()
    assert not User.objects.filter(email="owner@hz-pallets.example").exists()


def test_signup_reports_every_bad_field_at_once(api):
    response = api(None, None).post(
        "/api/v1/signup", body(owner_password="12345", plan="gold", company=""), format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert {"owner_password", "plan", "company"} <= set(response.json()["errors"])
    assert nothing_written()


def test_signup_with_an_invalid_email_is_400(api):
    response = api(None, None).post("/api/v1/signup", body(owner_email="not-an-email"), format="json")

    assert response.status_code == 400
    assert "owner_email" in response.json()["errors"]


def _answer_shape(response) -> tuple:
    body = response.json()
    return response.status_code, sorted(body), body["status"]


def test_an_existing_email_gets_the_same_answer_as_a_new_one_and_no_password_is_tested(
    api, users, password, mailoutbox, django_capture_on_commit_callbacks
):
    new = signup(api, django_capture_on_commit_callbacks, owner_email="fresh@hz-pallets.example", subdomain="fresh-one")
    wrong = api(None, None).post(
        "/api/v1/signup",
        body(owner_email=users.b_sales.email, owner_password=STRONG, subdomain="hz-two"),
        format="json",
    )
    right = api(None, None).post(
        "/api/v1/signup",
        body(owner_email=users.b_sales.email, owner_password=password, subdomain="hz-three"),
        format="json",
    )

    assert (
        _answer_shape(new)
        == _answer_shape(wrong)
        == _answer_shape(right)
        == (
            202,
            ["id", "status", "status_url"],
            "provisioning",
        )
    )
    # neither the wrong nor the right password made a store for the existing user
    assert not Store.objects.filter(subdomain__in=["hz-two", "hz-three"]).exists()
    assert not Provisioning.objects.filter(subdomain__in=["hz-two", "hz-three"]).exists()
    assert not Account.objects.filter(owner=users.b_sales).exists()
    # the address's owner is told, and told how to go on
    told = [m for m in mailoutbox if users.b_sales.email in m.to]
    assert len(told) == 2
    assert hq_url() in told[0].body  # where to sign in before signing up again
    assert password not in told[0].body


def test_a_locked_out_account_s_password_makes_no_store(api, users, password, settings, store_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api(None, store_a).post(
            "/api/v1/auth/token", {"email": users.b_sales.email, "password": "wrong-password-x"}, format="json"
        )

    response = api(None, None).post(
        "/api/v1/signup", body(owner_email=users.b_sales.email, owner_password=password), format="json"
    )

    assert response.status_code == 202
    assert not Store.objects.filter(subdomain="hz-pallets").exists()


def test_a_signed_in_user_signs_up_with_their_own_email_and_becomes_the_owner(
    api, users, django_capture_on_commit_callbacks
):
    client = api(users.b_sales, None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/signup", body(owner_email=users.b_sales.email, owner_password="whatever-it-is"), format="json"
        )

    assert response.status_code == 202, response.content
    store = Store.objects.get(subdomain="hz-pallets")
    assert Membership.objects.get(store=store).user_id == users.b_sales.pk
    assert User.objects.filter(email=users.b_sales.email).count() == 1


def test_a_weak_password_is_refused_whether_or_not_the_email_exists(api, users):
    for email in (users.b_sales.email, "new-owner@hz-pallets.example"):
        response = api(None, None).post(
            "/api/v1/signup", body(owner_email=email, owner_password="12345"), format="json"
        )
        assert response.status_code == 400
        assert "owner_password" in response.json()["errors"]


def test_signup_status_of_an_unknown_id_is_404(api):
    response = api(None, None).get("/api/v1/signup/3f2b8a6e-6a1c-4c55-9d0e-2b7f4c1a9e01")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_failed_provisioning_leaves_no_store_and_the_status_says_why(
    api, monkeypatch, django_capture_on_commit_callbacks
):
    import shared_apps.accounts.services as account_services

    def broken(**kwargs):
        raise RuntimeError("membership table unavailable")

    monkeypatch.setattr(account_services, "membership_create", broken)
    signup_id = signup(api, django_capture_on_commit_callbacks).json()["id"]

    status = api(None, None).get(f"/api/v1/signup/{signup_id}").json()
    assert status["status"] == "failed"
    assert "membership table unavailable" in status["error"]
    assert status["store_url"] is None
    assert not Store.objects.filter(subdomain="hz-pallets").exists()
    assert not schema_exists(schema_name_for("hz-pallets"))
    assert Account.objects.get(pk=signup_id).store_id is None


def test_signup_is_throttled_per_email(api, monkeypatch):
    from shared_apps.billing.api import SignupEmailThrottle

    monkeypatch.setattr(SignupEmailThrottle, "THROTTLE_RATES", {"signup_email": "2/hour"})
    client = api(None, None)
    for subdomain in ("bad_one", "bad_two"):
        assert client.post("/api/v1/signup", body(subdomain=subdomain), format="json").status_code == 400

    response = api(None, None).post("/api/v1/signup", body(subdomain="fine-one"), format="json", REMOTE_ADDR="10.9.8.7")
    assert (response.status_code, response.json()["code"]) == (429, "throttled")


def test_signup_is_throttled_per_address(api, monkeypatch):
    from shared_apps.billing.api import SignupIPThrottle

    monkeypatch.setattr(SignupIPThrottle, "THROTTLE_RATES", {"signup_ip": "2/hour"})
    client = api(None, None)
    for index in range(2):
        client.post("/api/v1/signup", body(subdomain="bad_x", owner_email=f"o{index}@x.example"), format="json")

    response = client.post("/api/v1/signup", body(owner_email="third@x.example"), format="json")
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
