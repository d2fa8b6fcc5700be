"""Exporting the customer list: the caller's visibility and the list filters, CSV and XLSX, text
cells neutralised against formula injection, numbers kept as numbers."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

URL = "/api/v1/customers/export"
DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)"]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_sheet(response):
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_a_salesperson_exports_their_own_and_the_pool_only(api, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Mine")
    make_customer(store_a, owner=None, name="Pooled")
    make_customer(store_a, owner=users.a_sales2, name="Colleague's")
    make_customer(store_a, owner=users.a_supervisor, name="Supervisor's")

    rows = csv_rows(api(users.a_sales, store_a).get(URL, {"format": "csv"}))

    assert sorted(row[1] for row in rows[1:]) == ["Mine", "Pooled"]


def test_a_supervisor_exports_the_team_and_the_pool(api, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Team 1")
    make_customer(store_a, owner=users.a_sales2, name="Team 2")
    make_customer(store_a, owner=None, name="Pooled")

    rows = csv_rows(api(users.a_supervisor, store_a).get(URL))

    assert sorted(row[1] for row in rows[1:]) == ["Pooled", "Team 1", "Team 2"]


def test_the_export_applies_the_list_filters(api, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Grade A in Zhejiang", grade="A", province="浙江")
    make_customer(store_a, owner=users.a_sales, name="Grade A elsewhere", grade="A", province="广东")
    make_customer(store_a, owner=users.a_sales, name="Grade B", grade="B", province="浙江")
    make_customer(store_a, owner=users.a_sales, name="VIP", tags=["VIP"], grade="C")

    client = api(users.a_sales, store_a)
    by_grade = csv_rows(client.get(URL, {"format": "csv", "grade": "A", "province": "浙江"}))
    by_tag = csv_rows(client.get(URL, {"tag": "VIP"}))

    assert [row[1] for row in by_grade[1:]] == ["Grade A in Zhejiang"]
    assert [row[1] for row in by_tag[1:]] == ["VIP"]


def test_the_csv_columns_match_the_importer_and_hold_the_profile(api, users, store_a, make_customer):
    customer = make_customer(
        store_a, owner=users.a_sales, name="张三", company="华东托盘", mobile="13800138000", tags=["VIP", "大客户"]
    )

    rows = csv_rows(api(users.a_sales, store_a).get(URL, HTTP_ACCEPT_LANGUAGE="en"))

    header, row = rows[0], rows[1]
    assert header[:4] == ["ID", "Name", "Company", "Mobile"]
    record = dict(zip(header, row, strict=True))
    assert record["ID"] == str(customer.pk)
    assert record["Mobile"] == "13800138000"
    assert record["Tags"] == "VIP, 大客户"
    assert record["Owner email"] == users.a_sales.email
    assert record["In the pool"] == "No"


def test_formula_cells_are_neutralised_in_csv(api, users, store_a, make_customer):
    for text in DANGEROUS:
        make_customer(store_a, owner=users.a_sales, name=text, company=text)

    rows = csv_rows(api(users.a_sales, store_a).get(URL, {"format": "csv", "ordering": "created_at"}))

    assert [row[1] for row in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert [row[2] for row in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert all(row[0].isdigit() for row in rows[1:])


def test_formula_cells_are_neutralised_in_xlsx_and_ids_stay_numbers(api, users, store_a, make_customer):
    made = [make_customer(store_a, owner=users.a_sales, name=text) for text in DANGEROUS]

    response = api(users.a_sales, store_a).get(URL, {"format": "xlsx", "ordering": "created_at"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment")
    sheet = xlsx_sheet(response)
    data = [(row[0].value, row[0].data_type, row[1].value, row[1].data_type) for row in sheet.iter_rows(min_row=2)]
    assert data == [(c.pk, "n", "'" + c.name, "s") for c in made]


def test_an_unknown_format_is_a_validation_error(api, users, store_a):
    response = api(users.a_sales, store_a).get(URL, {"format": "pdf"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_bad_filter_value_is_a_validation_error(api, users, store_a):
    response = api(users.a_sales, store_a).get(URL, {"grade": "Z"})

    assert response.status_code == 400
    assert "grade" in response.json()["errors"]


@pytest.mark.parametrize("role", ["a_finance", "a_warehouse", "hq_exec"])
def test_roles_without_the_export_permission_are_refused(api, users, store_a, role):
    assert api(users[role], store_a).get(URL).status_code == 403


def test_the_export_page_link_uses_the_same_filters_and_visibility(page_client, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Mine A", grade="A")
    make_customer(store_a, owner=users.a_sales, name="Mine B", grade="B")
    make_customer(store_a, owner=users.a_sales2, name="Theirs A", grade="A")

    rows = csv_rows(page_client(users.a_sales, store_a).get("/customers/export/", {"format": "csv", "grade": "A"}))

    assert [row[1] for row in rows[1:]] == ["Mine A"]


def test_an_exported_file_imports_again_into_another_store(
    api, users, store_a, store_b, in_store, make_customer, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    make_customer(store_a, owner=users.a_sales, name="=cmd", mobile="13800138000", wechat_id="wx", grade="B")
    exported = b"".join(
        api(users.a_sales, store_a).get(URL, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en").streaming_content
    )

    from django.core.files.uploadedfile import SimpleUploadedFile

    # The owner of store A is no member of store B: that column is left out.
    response = api(users.b_sales, store_b).post(
        "/api/v1/customers/import",
        {"file": SimpleUploadedFile("export.xlsx", exported), "mapping": '{"Owner email": ""}'},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert [row["outcome"] for row in response.json()["rows"]] == ["created"], response.json()["rows"]
    from tenant_apps.customers.models import Customer

    with in_store(store_b):
        copy = Customer.objects.get()
    assert (copy.name, copy.mobile_normalized, copy.wechat_id, copy.grade) == ("=cmd", "+8613800138000", "wx", "B")
    assert copy.owner_id == users.b_sales.pk
