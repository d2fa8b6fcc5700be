"""Sign-ins to the HQ host and failures are recorded in the public schema, with address and user
agent, and read by HQ admins only (``/api/v1/hq/audit/logins`` and the page)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hq_console.models import HqSignIn
from shared_apps.platform.jobs import get_job, run_global
from tests.conftest import host_for


def _sign_ins(client, users, password):
    host = host_for(None)
    ok = client.post(
        "/api/v1/auth/token",
        {"email": users.hq_exec.email, "password": password},
        content_type="application/json",
        HTTP_HOST=host,
        HTTP_USER_AGENT="curl/8.5",
        REMOTE_ADDR="198.51.100.30",
    )
    assert ok.status_code == 200, ok.content
    bad = client.post(
        "/login/",
        {"username": users.hq_exec.email, "password": "wrong"},
        HTTP_HOST=host,
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="198.51.100.31",
    )
    assert bad.status_code == 200


def test_hq_host_sign_ins_and_failures_are_recorded_and_listed(client, users, password, api):
    _sign_ins(client, users, password)

    response = api(users.hq_admin).get("/api/v1/hq/audit/logins")

    assert response.status_code == 200, response.content
    rows = [(r["email"], r["succeeded"], r["method"], r["ip"], r["user_agent"]) for r in response.json()["results"]]
    assert rows == [
        (users.hq_exec.email, False, "page", "198.51.100.31", "Firefox/140"),
        (users.hq_exec.email, True, "token", "198.51.100.30", "curl/8.5"),
    ]
    failed = api(users.hq_admin).get("/api/v1/hq/audit/logins", {"succeeded": "false"}).json()["results"]
    assert [r["ip"] for r in failed] == ["198.51.100.31"]


def test_a_store_hosts_sign_in_is_not_an_hq_sign_in(client, users, password, store_a):
    response = client.post(
        "/api/v1/auth/token",
        {"email": users.a_sales.email, "password": password},
        content_type="application/json",
        HTTP_HOST=host_for(store_a),
    )
    assert response.status_code == 200
    assert not HqSignIn.objects.exists()


@pytest.mark.parametrize("who", ["hq_exec", "a_admin"])
def test_only_hq_admins_read_them(api, page_client, users, store_a, who):
    response = api(users[who]).get("/api/v1/hq/audit/logins")
    assert response.status_code in (403, 404)
    assert "results" not in response.json()
    # Refused as a store's action log is refused to them on the HQ host.
    other = api(users[who]).get(f"/api/v1/hq/stores/{store_a.pk}/audit")
    assert (response.status_code, response.json()["code"]) == (other.status_code, other.json()["code"])
    assert page_client(users[who]).get("/audit/sign-ins/").status_code in (403, 404)


def test_bad_filters_are_a_400_naming_the_parameter(api, users):
    response = api(users.hq_admin).get("/api/v1/hq/audit/logins", {"since": "2026-02-30", "succeeded": "maybe"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert set(response.json()["errors"]) == {"since", "succeeded"}


def test_the_page_lists_and_filters(client, page_client, users, password):
    _sign_ins(client, users, password)
    page = page_client(users.hq_admin)

    listed = page.get("/audit/sign-ins/", {"succeeded": "false"})
    assert listed.status_code == 200
    body = listed.content.decode()
    assert "198.51.100.31" in body and "198.51.100.30" not in body
    bad = page.get("/audit/sign-ins/", {"since": "nonsense"})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()


def test_the_purge_keeps_the_retention(client, users, password, settings, time_machine):
    settings.AUDIT_RETENTION_DAYS = 30
    time_machine.move_to("2026-10-01T10:00:00+08:00")
    _sign_ins(client, users, password)
    time_machine.move_to("2026-12-01T10:00:00+08:00")
    client.post("/login/", {"username": "nobody@example.com", "password": "x"}, HTTP_HOST=host_for(None))

    run = run_global(get_job("audit.purge_hq"), at=timezone.now(), propagate=True)

    assert run.result == {"sign_ins": 2}
    assert list(HqSignIn.objects.values_list("email", flat=True)) == ["nobody@example.com"]
