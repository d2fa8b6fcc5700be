"""The signup page on the base host (the API's service, rules and throttles), its status page, the
owner greeted by their own name, the store's first channel, and the first-run checklist that ticks
itself from the store's data."""

from __future__ import annotations

import pytest
from django.test import Client

from shared_apps.accounts.models import User
from shared_apps.billing.models import Account
from tenants.models import Store

pytestmark = pytest.mark.django_db

STRONG = "Quiet-Harbour-2026"


def form(**overrides) -> dict:
    data = {
        "owner_name": "Wang Fang",
        "company": "Hangzhou Pallet Co.",
        "store_name": "Tmall pallet shop",
        "subdomain": "hz-pallets",
        "owner_email": "owner@hz-pallets.example",
        "owner_password": STRONG,
        "plan": "trial",
        "channel": "tmall",
    }
    data.update(overrides)
    return data


def base() -> Client:
    return Client(HTTP_HOST="localhost")


def test_the_login_page_of_the_base_host_links_to_signup_and_a_stores_does_not(store_a):
    assert 'href="/signup/"' in base().get("/login/").content.decode()
    store_login = Client(HTTP_HOST=f"{store_a.subdomain}.localhost").get("/login/").content.decode()
    assert 'href="/signup/"' not in store_login


def test_the_signup_page_names_the_plans_in_the_readers_language():
    english = base().get("/signup/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = base().get("/signup/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert '<option value="trial" selected>Trial plan</option>' in english
    assert '<option value="trial" selected>试用版</option>' in chinese


def test_the_signup_page_is_404_on_a_store_host(store_a):
    assert Client(HTTP_HOST=f"{store_a.subdomain}.localhost").get("/signup/").status_code == 404


def test_every_bad_field_is_shown_at_once_and_nothing_is_written():
    response = base().post("/signup/", form(company="", owner_email="nope", owner_password="123", subdomain="x"))

    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("invalid-feedback") >= 4
    for field in ("company", "owner_email", "owner_password", "subdomain"):
        assert f'id="id_{field}"' in html and f'is-invalid" id="id_{field}"' in html, field
    assert not Account.objects.exists() and not User.objects.filter(email="nope").exists()


def test_the_api_reports_a_bad_password_together_with_missing_fields(api):
    response = api(None, None).post("/api/v1/signup", {"owner_password": "123"}, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"company", "store_name", "owner_email", "owner_password", "plan"} <= set(errors)


def test_a_signup_on_the_page_makes_the_store_with_its_channel_and_greets_the_owner_by_name(
    django_capture_on_commit_callbacks, in_store
):
    client = base()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", form())

    assert response.status_code == 302
    status = client.get(response["Location"]).content.decode()
    assert 'data-testid="signup-ready"' in status and "http://hz-pallets.localhost" in status
    owner = User.objects.get(email="owner@hz-pallets.example")
    assert owner.name == "Wang Fang"
    store = Store.objects.get(subdomain="hz-pallets")
    with in_store(store):
        from tenant_apps.workspace.selectors import channel_list

        assert [c.platform for c in channel_list(active_only=True)] == ["tmall"]

    store_client = Client(HTTP_HOST="hz-pallets.localhost")
    store_client.force_login(owner)
    home = store_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Welcome, Wang Fang" in home and "Hangzhou Pallet Co." not in home
    assert 'data-testid="first-run"' in home
    assert 'data-step="channels" data-done="true"' in home
    assert 'data-step="products" data-done="false"' in home

    with in_store(store):
        from tests.factories.sales import make_product

        make_product()
    home = store_client.get("/").content.decode()
    assert 'data-step="products" data-done="true"' in home


def test_an_api_signup_without_channels_gets_the_offline_channel(api, django_capture_on_commit_callbacks, in_store):
    body = {k: v for k, v in form().items() if k not in ("channel", "owner_name")}
    with django_capture_on_commit_callbacks(execute=True):
        assert api(None, None).post("/api/v1/signup", body, format="json").status_code == 202

    with in_store(Store.objects.get(subdomain="hz-pallets")):
        from tenant_apps.workspace.selectors import channel_list

        assert [c.platform for c in channel_list(active_only=True)] == ["offline"]


def test_the_page_shares_the_apis_throttle_per_email(monkeypatch):
    from shared_apps.billing.api import SignupEmailThrottle

    monkeypatch.setattr(SignupEmailThrottle, "THROTTLE_RATES", {"signup_email": "2/hour"})
    client = base()
    for subdomain in ("bad_one", "bad_two"):
        assert client.post("/signup/", form(subdomain=subdomain)).status_code == 400

    response = base().post("/signup/", form(subdomain="fine-one"), REMOTE_ADDR="10.9.8.7")

    assert response.status_code == 429
    assert not Account.objects.exists()
