"""The import job API and pages: status and progress, and the report only for the user who
started the import and the store's admins."""

from __future__ import annotations

import pytest

from tenant_apps.imports import services
from tenant_apps.imports.services import running
from tests.factories import access_of
from tests.tenant_apps.imports.conftest import csv_stream


@pytest.fixture
def job_of(users, store_a, in_store):
    """``job_of(user)``: a finished customers import started by ``user`` in store A."""

    def make(user, text="name,mobile\nAda,13800138000\n"):
        with in_store(store_a):
            return services.import_start(kind="customers", file=csv_stream(text), options={}, access=access_of(user))

    return make


def test_the_creator_reads_the_job_status(api, users, store_a, job_of):
    job = job_of(users.a_sales)

    response = api(users.a_sales, store_a).get(f"/api/v1/imports/{job.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "done"
    assert body["progress"] == 1.0
    assert body["total_rows"] == body["processed_rows"] == 1
    assert body["outcome_counts"] == {"created": 1}
    assert body["report_url"] == f"/api/v1/imports/{job.pk}/report"
    assert body["page_url"] == f"/imports/{job.pk}/"


@pytest.mark.parametrize("reader", ["a_admin"])
def test_a_store_admin_reads_anyones_job_and_report(api, users, store_a, job_of, reader):
    job = job_of(users.a_sales)
    client = api(users[reader], store_a)

    assert client.get(f"/api/v1/imports/{job.pk}").status_code == 200
    assert client.get(f"/api/v1/imports/{job.pk}/report").status_code == 200


@pytest.mark.parametrize("reader", ["a_sales2", "a_supervisor", "a_finance", "hq_exec"])
def test_others_get_404_for_the_job_and_its_report(api, users, store_a, job_of, reader):
    job = job_of(users.a_sales)
    client = api(users[reader], store_a)

    for path in (f"/api/v1/imports/{job.pk}", f"/api/v1/imports/{job.pk}/report"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/problem+json")


def test_the_report_downloads_as_csv_for_the_creator(api, users, store_a, job_of):
    job = job_of(users.a_sales, "name,mobile\nAda,13800138000\nBob,bad\n")

    response = api(users.a_sales, store_a).get(f"/api/v1/imports/{job.pk}/report", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 3
    assert lines[2].startswith("3,")
    assert lines[2].endswith(",,Bob,bad")  # no id; the row's own cells follow


def test_the_report_is_not_served_from_the_media_url(client, store_a, users, job_of):
    job = job_of(users.a_sales)

    response = client.get(f"/media/{job.report.name}", HTTP_HOST="alpha.localhost")

    assert response.status_code in (302, 404)


def test_a_job_of_another_store_is_not_found(api, users, store_b, job_of):
    job = job_of(users.a_sales)

    assert api(users.b_admin, store_b).get(f"/api/v1/imports/{job.pk}").status_code == 404


def test_the_job_page_shows_counts_rows_and_report_link(page_client, users, store_a, job_of):
    job = job_of(users.a_sales, "name,mobile\nAda,13800138000\nBob,bad\n")

    response = page_client(users.a_sales, store_a).get(f"/imports/{job.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="done"' in html
    assert f'href="/imports/{job.pk}/report/"' in html
    assert 'data-row="2" data-outcome="created"' in html
    assert 'data-row="3" data-outcome="invalid"' in html
    # A finished job's progress no longer polls (the sidebar's own counters still do).
    assert f'hx-get="/imports/{job.pk}/"' not in html


def test_a_running_job_page_polls_itself(page_client, users, store_a, in_store, monkeypatch, job_of):
    monkeypatch.setattr(running, "SYNC_MAX_ROWS", 0)
    job = job_of(users.a_sales)  # sent on commit, which never comes in this test: still pending

    response = page_client(users.a_sales, store_a).get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="pending"' in html
    assert f'hx-get="/imports/{job.pk}/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "<html" not in html


def test_the_job_page_is_404_for_another_salesperson(page_client, users, store_a, job_of):
    job = job_of(users.a_sales)

    assert page_client(users.a_sales2, store_a).get(f"/imports/{job.pk}/").status_code == 404
    assert page_client(users.a_sales2, store_a).get(f"/imports/{job.pk}/report/").status_code == 404


def test_the_report_page_download_works_for_the_creator(page_client, users, store_a, job_of):
    job = job_of(users.a_sales)

    response = page_client(users.a_sales, store_a).get(f"/imports/{job.pk}/report/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
