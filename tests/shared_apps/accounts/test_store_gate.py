"""The store gate (StoreAccessMiddleware): HQ read-only and audited, read-only and suspended stores."""

from __future__ import annotations

from shared_apps.accounts.models import Membership
from shared_apps.platform.models import HqAccessLog
from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE


def set_status(store, status):
    store.status = status
    store.save(update_fields=["status"])


def test_hq_executive_reads_a_store_and_the_access_is_audited(api, users, store_a):
    response = api(users.hq_exec, store_a).get("/api/v1/me?x=1")

    assert response.status_code == 200
    log = HqAccessLog.objects.get(user=users.hq_exec)
    assert (log.store, log.method, log.path, log.allowed) == (store_a, "GET", "/api/v1/me?x=1", True)


def test_hq_executive_opening_a_store_page_is_audited(page_client, users, store_a):
    response = page_client(users.hq_exec, store_a).get("/")

    assert response.status_code == 200
    assert HqAccessLog.objects.filter(user=users.hq_exec, store=store_a, path="/").exists()


def test_hq_executive_cannot_write_in_a_store(api, users, store_a):
    response = api(users.hq_exec, store_a).post("/api/v1/channels", {"platform": "pdd"}, format="json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["code"] == "permission_denied"


def test_refused_hq_write_is_audited_as_not_allowed(api, users, store_a):
    api(users.hq_exec, store_a).post("/api/v1/channels", {"platform": "pdd"}, format="json")

    log = HqAccessLog.objects.get(user=users.hq_exec)
    assert (log.method, log.path, log.allowed) == ("POST", "/api/v1/channels", False)


def test_member_requests_are_not_written_to_the_hq_audit(api, users, store_a):
    api(users.a_admin, store_a).get("/api/v1/me")

    assert not HqAccessLog.objects.exists()


def test_hq_user_with_a_membership_acts_as_the_member(api, users, store_a):
    Membership.objects.create(user=users.hq_admin, store=store_a, role="admin")

    response = api(users.hq_admin, store_a).get("/api/v1/me")

    assert response.json()["role"] == "admin"
    assert not HqAccessLog.objects.exists()


def test_read_only_store_refuses_writes_with_423(api, users, store_a):
    set_status(store_a, store_a.Status.READ_ONLY)

    response = api(users.a_admin, store_a).post("/api/v1/channels", {"platform": "pdd"}, format="json")

    assert response.status_code == 423
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["code"] == "tenant_read_only"


def test_read_only_store_still_answers_reads(api, users, store_a):
    set_status(store_a, store_a.Status.READ_ONLY)

    response = api(users.a_admin, store_a).get("/api/v1/me")

    assert response.status_code == 200


def test_read_only_store_refuses_page_writes_with_an_html_423(page_client, users, store_a):
    set_status(store_a, store_a.Status.READ_ONLY)

    response = page_client(users.a_admin, store_a).post("/channels/", {"platform": "pdd"})

    assert response.status_code == 423
    assert response["Content-Type"].startswith("text/html")


def test_read_only_store_lets_members_sign_out(page_client, users, store_a):
    set_status(store_a, store_a.Status.READ_ONLY)

    response = page_client(users.a_admin, store_a).post("/logout/")

    assert response.status_code == 302


def test_suspended_store_answers_403_store_suspended_to_members(api, users, store_a):
    set_status(store_a, store_a.Status.SUSPENDED)

    response = api(users.a_sales, store_a).get("/api/v1/me")

    assert response.status_code == 403
    assert response.json()["code"] == "store_suspended"


def test_suspended_store_answers_404_to_non_members(api, users, store_a):
    set_status(store_a, store_a.Status.SUSPENDED)

    response = api(users.b_sales, store_a).get("/api/v1/me")

    assert response.status_code == 404


def test_suspended_store_answers_404_to_anonymous_requests(api, page_client, store_a):
    set_status(store_a, store_a.Status.SUSPENDED)

    assert api(None, store_a).get("/api/v1/me").status_code == 404
    assert page_client(None, store_a).get("/").status_code == 404


def test_suspended_store_still_shows_its_sign_in_page(page_client, store_a):
    set_status(store_a, store_a.Status.SUSPENDED)

    response = page_client(None, store_a).get("/login/")

    assert response.status_code == 200


def test_deactivated_membership_gets_404(api, users, store_a):
    Membership.objects.filter(user=users.a_sales, store=store_a).update(is_active=False)

    response = api(users.a_sales, store_a).get("/api/v1/me")

    assert response.status_code == 404


def test_refused_hq_export_is_audited_as_not_allowed(api, page_client, users, store_a):
    api_response = api(users.hq_exec, store_a).get("/api/v1/orders/export")
    page_response = page_client(users.hq_exec, store_a).get("/sales/orders/export/")

    assert api_response.status_code == 403
    assert page_response.status_code in (403, 404)
    logs = list(HqAccessLog.objects.filter(user=users.hq_exec).order_by("pk"))
    assert [(log.path, log.allowed) for log in logs] == [
        ("/api/v1/orders/export", False),
        ("/sales/orders/export/", False),
    ]


def test_an_allowed_hq_read_stays_audited_as_allowed_after_the_view_ran(api, users, store_a):
    response = api(users.hq_exec, store_a).get("/api/v1/orders")

    assert response.status_code == 200
    assert HqAccessLog.objects.get(user=users.hq_exec).allowed is True
