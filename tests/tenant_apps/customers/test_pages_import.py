"""The import page: upload, the column-matching step, then the per-row result (small files) or
the job's progress page (large files)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.imports.services import running as import_running


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def csv_file(text: str, name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def staged_key(html: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', html).group(1)


def customers_in(in_store, store):
    from tenant_apps.customers.models import Customer

    with in_store(store):
        return list(Customer.objects.order_by("pk"))


def test_the_import_page_shows_the_upload_form(page_client, users, store_a):
    response = page_client(users.a_sales, store_a).get("/customers/import/")

    assert response.status_code == 200
    assert 'data-testid="import-upload"' in response.content.decode()


@pytest.mark.parametrize("role", ["a_finance", "a_warehouse", "hq_exec"])
def test_roles_without_the_import_permission_get_403(page_client, users, store_a, role):
    assert page_client(users[role], store_a).get("/customers/import/").status_code == 403


def test_upload_then_confirm_imports_and_shows_each_row(page_client, users, store_a, in_store, media_root):
    client = page_client(users.a_sales, store_a)

    step_two = client.post(
        "/customers/import/", {"step": "upload", "file": csv_file("姓名,手机,备用\n张三,13800138000,x\n李四,bad,y\n")}
    )

    html = step_two.content.decode()
    assert step_two.status_code == 200
    assert 'data-testid="import-mapping"' in html
    assert re.search(r'name="map-0"[^>]*>.*?<option value="name" selected>', html, re.S)
    assert re.search(r'name="map-1"[^>]*>.*?<option value="mobile" selected>', html, re.S)
    assert customers_in(in_store, store_a) == []

    done = client.post(
        "/customers/import/",
        {"step": "confirm", "key": staged_key(html), "map-0": "name", "map-1": "mobile", "map-2": ""},
    )

    html = done.content.decode()
    assert done.status_code == 200
    assert 'data-testid="import-done"' in html
    assert 'data-row="2" data-outcome="created"' in html
    assert 'data-row="3" data-outcome="invalid"' in html
    assert [c.name for c in customers_in(in_store, store_a)] == ["张三"]
    assert not list((media_root).rglob("staging/*"))


def test_confirming_without_the_name_column_shows_the_error_and_imports_nothing(page_client, users, store_a, in_store):
    client = page_client(users.a_sales, store_a)
    html = client.post("/customers/import/", {"step": "upload", "file": csv_file("姓名\n张三\n")}).content.decode()

    response = client.post(
        "/customers/import/", {"step": "confirm", "key": staged_key(html), "map-0": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="import-mapping"' in page and 'data-testid="import-error"' in page
    assert customers_in(in_store, store_a) == []


def test_an_unreadable_upload_is_shown_as_a_form_error(page_client, users, store_a):
    response = page_client(users.a_sales, store_a).post(
        "/customers/import/", {"step": "upload", "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04broken")}
    )

    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()


def test_an_oversized_upload_is_refused(page_client, users, store_a, settings):
    settings.IMPORT_MAX_BYTES = 16

    response = page_client(users.a_sales, store_a).post(
        "/customers/import/", {"step": "upload", "file": csv_file("name\n" + "A\n" * 20)}
    )

    assert response.status_code == 413


def test_another_users_staged_file_cannot_be_confirmed(page_client, users, store_a, in_store):
    html = (
        page_client(users.a_sales, store_a)
        .post("/customers/import/", {"step": "upload", "file": csv_file("name\nA\n")})
        .content.decode()
    )

    response = page_client(users.a_sales2, store_a).post(
        "/customers/import/", {"step": "confirm", "key": staged_key(html), "map-0": "name"}
    )

    assert response.status_code == 400
    assert 'data-testid="import-error"' in response.content.decode()
    assert customers_in(in_store, store_a) == []


def test_a_large_import_goes_to_the_job_page(page_client, users, store_a, monkeypatch):
    monkeypatch.setattr(import_running, "SYNC_MAX_ROWS", 1)
    client = page_client(users.a_sales, store_a)
    html = client.post("/customers/import/", {"step": "upload", "file": csv_file("name\nA\nB\n")}).content.decode()

    response = client.post("/customers/import/", {"step": "confirm", "key": staged_key(html), "map-0": "name"})

    assert response.status_code == 302
    assert re.fullmatch(r"/imports/\d+/", response["Location"])
    assert client.get(response["Location"]).status_code == 200
