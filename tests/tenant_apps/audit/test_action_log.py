"""The action log: every write in a store recorded by the database triggers, with who acted and
from where, whatever the write path (API, import, job, raw SQL); sign-ins; the API's filters and
bad input; the retention purge."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from shared_apps.platform import actionlog
from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.imports import services as import_services
from tests.factories import access_of


def entries(client, **params):
    response = client.get("/api/v1/audit", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_change_through_the_api_is_recorded_with_its_user_address_and_fields(api, users, store_a):
    client = api(users.a_sales, store_a)
    made = client.post("/api/v1/customers", {"name": "Ada", "mobile": "13800138000"}, format="json")
    assert made.status_code == 201, made.content
    customer_id = made.json()["id"]

    changed = client.patch(
        f"/api/v1/customers/{customer_id}", {"city": "杭州"}, format="json", REMOTE_ADDR="203.0.113.7"
    )
    assert changed.status_code == 200, changed.content

    rows = entries(api(users.a_admin, store_a), object_type="customers.customer", object_id=str(customer_id))
    assert [row["action"] for row in rows] == ["update", "create"]
    update, create = rows
    assert update["changes"] == {"city": ["", "杭州"]}
    assert update["actor"] == users.a_sales.email
    assert update["actor_id"] == users.a_sales.pk
    assert update["ip"] == "203.0.113.7"
    assert update["source"] == "request"
    assert create["changes"]["name"] == [None, "Ada"]
    assert "updated_at" not in update["changes"]


def test_the_client_address_comes_from_a_trusted_proxy_only(api, users, store_a, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = api(users.a_sales, store_a)

    client.post(
        "/api/v1/customers",
        {"name": "Via proxy", "mobile": "13800138001"},
        format="json",
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    client.post(
        "/api/v1/customers",
        {"name": "Direct", "mobile": "13800138002"},
        format="json",
        REMOTE_ADDR="192.0.2.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )

    rows = entries(api(users.a_admin, store_a), object_type="customers.customer")
    by_name = {row["changes"]["name"][1]: row["ip"] for row in rows if row["action"] == "create"}
    assert by_name == {"Via proxy": "198.51.100.9", "Direct": "192.0.2.1"}


def test_a_change_made_by_an_import_is_recorded_as_the_uploaders(api, users, store_a, in_store, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    upload = io.BytesIO(b"name,mobile\nImported,13900139000\n")
    upload.name = "customers.csv"
    with in_store(store_a):
        job = import_services.import_start(kind="customers", file=upload, options={}, access=access_of(users.a_sales))
        assert job.status == "done"

    rows = entries(api(users.a_admin, store_a), object_type="customers.customer")
    created = [row for row in rows if row["changes"].get("name", [None, None])[1] == "Imported"]
    assert len(created) == 1
    assert created[0]["source"] == "import"
    assert created[0]["actor"] == users.a_sales.email
    assert created[0]["request_id"] == f"import:{job.pk}"


def test_a_change_made_by_a_job_is_recorded_as_the_jobs(api, users, store_a, in_store):
    client = api(users.a_sales, store_a)
    made = client.post(
        "/api/v1/customers",
        {"name": "Due", "mobile": "13700137000", "next_follow_up_at": (timezone.now() + timedelta(days=1)).isoformat()},
        format="json",
    )
    assert made.status_code == 201, made.content
    customer_id = made.json()["id"]

    with in_store(store_a):
        run = run_in_store(
            get_job("customers.follow_up_reminders"),
            store=store_a,
            at=timezone.now() + timedelta(days=30),
            propagate=True,
        )
    assert run.ok

    rows = entries(api(users.a_admin, store_a), object_type="customers.customer", object_id=str(customer_id))
    by_job = [row for row in rows if row["source"] == "job"]
    assert by_job, rows
    assert by_job[0]["actor"] == "job:customers.follow_up_reminders"
    assert "reminded_for" in by_job[0]["changes"]
    assert by_job[0]["ip"] is None


def test_raw_sql_and_bulk_updates_are_recorded_too(api, users, store_a, in_store):
    client = api(users.a_sales, store_a)
    customer_id = client.post("/api/v1/customers", {"name": "Raw", "mobile": "13600136000"}, format="json").json()["id"]

    with in_store(store_a):
        acting = actionlog.ActionContext(source="task", actor="script")
        with actionlog.action_context(acting), connection.cursor() as cursor:
            cursor.execute("UPDATE customers_customer SET city = 'Ningbo' WHERE id = %s", [customer_id])
        with connection.cursor() as cursor:  # nobody told the session who acts
            cursor.execute("UPDATE customers_customer SET city = 'Wuxi' WHERE id = %s", [customer_id])

    rows = entries(api(users.a_admin, store_a), object_type="customers.customer", object_id=str(customer_id))
    # Without a context the time is the transaction's start (here the test's): read by id.
    rows.sort(key=lambda row: -row["id"])
    assert [(row["source"], row["actor"], row["changes"]) for row in rows[:2]] == [
        ("database", "", {"city": ["Ningbo", "Wuxi"]}),
        ("task", "script", {"city": ["", "Ningbo"]}),
    ]


def test_an_update_that_changes_nothing_leaves_no_entry(api, users, store_a, in_store):
    client = api(users.a_sales, store_a)
    customer_id = client.post("/api/v1/customers", {"name": "Same", "mobile": "13500135000"}, format="json").json()[
        "id"
    ]
    with in_store(store_a), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET name = name, updated_at = %s WHERE id = %s", [timezone.now(), customer_id]
        )

    rows = entries(api(users.a_admin, store_a), object_type="customers.customer", object_id=str(customer_id))
    assert [row["action"] for row in rows] == ["create"]


def test_sign_ins_and_failures_are_recorded_with_address_and_agent(client, users, store_a, password, api):
    host = "alpha.localhost"
    ok = client.post(
        "/api/v1/auth/token",
        {"email": users.a_sales.email, "password": password},
        content_type="application/json",
        HTTP_HOST=host,
        HTTP_USER_AGENT="curl/8.5",
        REMOTE_ADDR="198.51.100.20",
    )
    assert ok.status_code == 200
    bad = client.post(
        "/login/",
        {"username": users.a_sales.email, "password": "wrong"},
        HTTP_HOST=host,
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="198.51.100.21",
    )
    assert bad.status_code == 200

    response = api(users.a_admin, store_a).get("/api/v1/audit/logins")
    assert response.status_code == 200
    rows = [(r["email"], r["succeeded"], r["method"], r["ip"], r["user_agent"]) for r in response.json()["results"]]
    assert rows == [
        (users.a_sales.email, False, "page", "198.51.100.21", "Firefox/140"),
        (users.a_sales.email, True, "token", "198.51.100.20", "curl/8.5"),
    ]
    failed = api(users.a_admin, store_a).get("/api/v1/audit/logins", {"succeeded": "false"}).json()["results"]
    assert len(failed) == 1


@pytest.mark.parametrize("reader", ["a_sales", "a_supervisor", "a_finance"])
def test_only_store_admins_read_the_log(api, users, store_a, reader):
    response = api(users[reader], store_a).get("/api/v1/audit")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"since": "2026-13-01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"since": "2026-12-02", "until": "2026-12-01"}, "until"),
        ({"object_type": "customers.nothing"}, "object_type"),
        ({"actor": "x" * 300}, "actor"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(api, users, store_a, params, field):
    response = api(users.a_admin, store_a).get("/api/v1/audit", params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]


def test_filters_by_actor_and_time(api, users, store_a, time_machine):
    # Long before the wall clock: rows other tests committed in this store (at the wall clock's
    # time) never fall inside these windows, whatever the date the suite runs on.
    time_machine.move_to("2001-11-30T10:00:00+08:00")
    api(users.a_sales, store_a).post("/api/v1/customers", {"name": "Early", "mobile": "13400134000"}, format="json")
    time_machine.move_to("2001-12-02T10:00:00+08:00")
    api(users.a_admin, store_a).post("/api/v1/customers", {"name": "Late", "mobile": "13400134001"}, format="json")
    admin = api(users.a_admin, store_a)

    names = lambda rows: {row["changes"]["name"][1] for row in rows if row["object_type"] == "customers.customer"}  # noqa: E731
    assert names(entries(admin, actor=users.a_sales.email, until="2001-12-31")) == {"Early"}
    assert names(entries(admin, actor=str(users.a_admin.pk), until="2001-12-31")) == {"Late"}
    assert names(entries(admin, since="2001-12-01", until="2001-12-31")) == {"Late"}
    assert names(entries(admin, until="2001-11-30")) == {"Early"}


def test_the_page_lists_and_filters_for_admins(page_client, users, store_a, api):
    api(users.a_sales, store_a).post("/api/v1/customers", {"name": "Paged", "mobile": "13300133000"}, format="json")

    response = page_client(users.a_admin, store_a).get("/audit/", {"object_type": "customers.customer"})
    assert response.status_code == 200
    assert "Paged" in response.content.decode()
    bad = page_client(users.a_admin, store_a).get("/audit/", {"since": "nonsense"})
    assert bad.status_code == 200
    assert "is-invalid" in bad.content.decode()
    assert page_client(users.a_sales, store_a).get("/audit/").status_code == 403
    assert page_client(users.a_admin, store_a).get("/audit/sign-ins/").status_code == 200


def test_the_purge_keeps_the_retention(api, users, store_a, in_store, settings, time_machine):
    settings.AUDIT_RETENTION_DAYS = 30
    time_machine.move_to("2026-10-01T10:00:00+08:00")
    api(users.a_sales, store_a).post("/api/v1/customers", {"name": "Old", "mobile": "13200132000"}, format="json")
    time_machine.move_to("2026-12-01T10:00:00+08:00")
    api(users.a_sales, store_a).post("/api/v1/customers", {"name": "New", "mobile": "13200132001"}, format="json")

    with in_store(store_a):
        run = run_in_store(get_job("audit.purge"), store=store_a, at=timezone.now(), propagate=True)
    assert run.result["entries"] >= 1

    rows = entries(api(users.a_admin, store_a), object_type="customers.customer")
    assert {row["changes"]["name"][1] for row in rows if row["action"] == "create"} == {"New"}
