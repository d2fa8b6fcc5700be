"""Importing customers from CSV / XLSX through the API: per-row outcomes (created, duplicate of an
existing customer or of a row above, invalid with the reason), atomic rows, owners, and refused
files that leave nothing behind."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.imports.services import running as import_running

URL = "/api/v1/customers/import"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def csv_file(text: str, *, name: str = "customers.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "customers.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file, mapping=None):
    data = {"file": file}
    if mapping is not None:
        data["mapping"] = json.dumps(mapping, ensure_ascii=False)
    return client.post(URL, data, format="multipart", HTTP_ACCEPT_LANGUAGE="en")


def customers_in(in_store, store):
    from tenant_apps.customers.models import Customer

    with in_store(store):
        return list(Customer.objects.order_by("pk").prefetch_related("tags").select_related("channel"))


def import_jobs(in_store, store):
    from tenant_apps.imports.selectors import import_list_for_user

    class Everyone:
        via_hq = False

        def has_role(self, *roles):
            return True

    with in_store(store):
        return list(import_list_for_user(access=Everyone()))


def outcomes(response) -> list[tuple[int, str]]:
    return [(row["row"], row["outcome"]) for row in response.json()["rows"]]


def test_rows_with_chinese_headers_are_created_and_owned_by_the_importer(api, users, store_a, in_store, make_tag):
    make_tag(store_a, "VIP")
    text = (
        "姓名,公司,手机,微信,渠道,省份,城市,标签,等级,意向\n"
        "张三,华东托盘,+86 138-0013-8000,zs_wx,天猫,浙江,杭州,VIP,a级,高\n"
    )

    response = upload(api(users.a_sales, store_a), csv_file(text))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "done"
    assert outcomes(response) == [(2, "created")]
    [customer] = customers_in(in_store, store_a)
    assert body["rows"][0]["id"] == customer.pk
    assert (customer.name, customer.company, customer.mobile_normalized) == ("张三", "华东托盘", "+8613800138000")
    assert (customer.wechat_id, customer.channel.code, customer.province, customer.city) == (
        "zs_wx",
        "tmall",
        "浙江",
        "杭州",
    )
    assert ([t.name for t in customer.tags.all()], customer.grade, customer.intention_level) == (["VIP"], "A", "high")
    assert customer.owner_id == users.a_sales.pk


def test_gbk_csv_and_xlsx_files_are_imported(api, users, store_a, in_store):
    client = api(users.a_sales, store_a)

    first = upload(client, csv_file("姓名,手机\n李四,13900139000\n", encoding="gbk"))
    second = upload(client, xlsx_file([["姓名", "手机"], ["王五", 13700137000]]))

    assert outcomes(first) == [(2, "created")]
    assert outcomes(second) == [(2, "created")]
    assert sorted(c.mobile_normalized for c in customers_in(in_store, store_a)) == ["+8613700137000", "+8613900139000"]


def test_duplicate_of_an_existing_customer_names_it_and_its_owner(api, users, store_a, in_store, make_customer):
    existing = make_customer(store_a, owner=users.a_sales2, name="老客户", mobile="13800138000")

    response = upload(api(users.a_sales, store_a), csv_file("name,mobile\n新名字,138 0013 8000\n"))

    [row] = response.json()["rows"]
    assert row["outcome"] == "duplicate"
    assert row["id"] == existing.pk
    assert "老客户" in row["message"] and f"#{existing.pk}" in row["message"]
    assert users.a_sales2.name in row["message"]
    assert [c.pk for c in customers_in(in_store, store_a)] == [existing.pk]


def test_duplicate_of_a_pool_customer_says_it_is_in_the_pool(api, users, store_a, make_customer):
    existing = make_customer(store_a, owner=None, name="Pooled", wechat_id="wx-1")

    response = upload(api(users.a_sales, store_a), csv_file("name,wechat\nSomeone,wx-1\n"))

    [row] = response.json()["rows"]
    assert (row["outcome"], row["id"]) == ("duplicate", existing.pk)
    assert "in the pool" in row["message"]


def test_a_later_row_with_the_same_mobile_is_a_duplicate_of_the_earlier_row(api, users, store_a, in_store):
    text = "name,mobile\nFirst,13800138000\nSecond,+8613800138000\n"

    response = upload(api(users.a_sales, store_a), csv_file(text))

    rows = response.json()["rows"]
    assert [r["outcome"] for r in rows] == ["created", "duplicate"]
    assert rows[1]["id"] == rows[0]["id"]
    assert [c.name for c in customers_in(in_store, store_a)] == ["First"]


def test_invalid_rows_give_their_reason_and_do_not_stop_the_others(api, users, store_a, in_store):
    text = (
        "name,mobile,tags,grade\n"
        "Good,13800138000,,\n"
        ",13900139000,,\n"
        "Bad phone,12345,,\n"
        "Tagged,,nosuchtag,\n"
        "Graded,,,Z\n"
        "Also good,,,\n"
    )

    response = upload(api(users.a_sales, store_a), csv_file(text))

    rows = {r["row"]: r for r in response.json()["rows"]}
    assert [rows[n]["outcome"] for n in range(2, 8)] == [
        "created",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "created",
    ]
    assert "Name" in rows[3]["message"]
    assert "Mobile" in rows[4]["message"]
    assert "nosuchtag" in rows[5]["message"]
    assert "Grade" in rows[6]["message"]
    assert response.json()["outcome_counts"] == {"created": 2, "invalid": 4}
    assert [c.name for c in customers_in(in_store, store_a)] == ["Good", "Also good"]


def test_an_admin_assigns_owners_by_email_and_without_one_to_the_pool(api, users, store_a, in_store):
    text = f"name,owner_email\nAssigned,{users.a_sales2.email}\nUnassigned,\n"

    response = upload(api(users.a_admin, store_a), csv_file(text))

    assert outcomes(response) == [(2, "created"), (3, "created")]
    owners = {c.name: c.owner_id for c in customers_in(in_store, store_a)}
    assert owners == {"Assigned": users.a_sales2.pk, "Unassigned": None}


def test_a_salesperson_cannot_import_for_someone_else(api, users, store_a, in_store):
    text = f"name,owner_email\nMine,{users.a_sales.email}\nTheirs,{users.a_sales2.email}\nNobody,ghost@example.com\n"

    response = upload(api(users.a_sales, store_a), csv_file(text))

    rows = response.json()["rows"]
    assert [r["outcome"] for r in rows] == ["created", "invalid", "invalid"]
    assert "Owner email" in rows[1]["message"]
    assert "ghost@example.com" in rows[2]["message"]
    assert [(c.name, c.owner_id) for c in customers_in(in_store, store_a)] == [("Mine", users.a_sales.pk)]


def test_the_mapping_names_the_columns_of_an_unusual_file(api, users, store_a, in_store):
    text = "Kunde,Telefon\nMüller,13800138000\n"

    response = upload(api(users.a_sales, store_a), csv_file(text), mapping={"Kunde": "name", "Telefon": "mobile"})

    assert outcomes(response) == [(2, "created")]
    assert customers_in(in_store, store_a)[0].mobile_normalized == "+8613800138000"


def test_wrong_columns_are_refused_and_nothing_is_stored(api, users, store_a, in_store, media_root):
    response = upload(api(users.a_sales, store_a), csv_file("colour,mobile\nred,13800138000\n"))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid_columns"
    assert body["missing"] == ["name"]
    assert body["unknown"] == ["colour"]
    assert customers_in(in_store, store_a) == []
    assert import_jobs(in_store, store_a) == []
    assert not any(media_root.rglob("*.*"))


def test_a_broken_xlsx_is_refused(api, users, store_a, in_store):
    data = xlsx_file([["name"], ["A"]]).read()

    response = upload(api(users.a_sales, store_a), SimpleUploadedFile("broken.xlsx", data[:300]))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"
    assert import_jobs(in_store, store_a) == []


def test_a_50_mb_request_is_refused_before_it_is_read(api, users, store_a, in_store):
    client = api(users.a_sales, store_a)

    response = client.post(
        URL, {"file": csv_file("name\nA\n")}, format="multipart", CONTENT_LENGTH=str(50 * 1024 * 1024)
    )

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert import_jobs(in_store, store_a) == []


def test_a_file_over_the_size_limit_is_refused(api, users, store_a, in_store, settings):
    settings.IMPORT_MAX_BYTES = 1024

    response = upload(api(users.a_sales, store_a), csv_file("name\n" + "A\n" * 1000))

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert customers_in(in_store, store_a) == []


def test_a_request_without_a_file_is_a_validation_error(api, users, store_a):
    response = api(users.a_sales, store_a).post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_a_malformed_mapping_is_a_validation_error(api, users, store_a):
    response = api(users.a_sales, store_a).post(
        URL, {"file": csv_file("name\nA\n"), "mapping": "{not json"}, format="multipart"
    )

    assert response.status_code == 400
    assert "mapping" in response.json()["errors"]


@pytest.mark.parametrize("role", ["a_finance", "a_warehouse"])
def test_roles_without_the_import_permission_are_refused(api, users, store_a, in_store, role):
    response = upload(api(users[role], store_a), csv_file("name\nA\n"))

    assert response.status_code == 403
    assert customers_in(in_store, store_a) == []


def test_a_large_file_is_imported_in_the_background(
    api, users, store_a, in_store, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(import_running, "SYNC_MAX_ROWS", 2)
    text = "name,mobile\n" + "".join(f"C{i},1380013800{i}\n" for i in range(5))

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(users.a_sales, store_a), csv_file(text))

    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == body["url"] == f"/api/v1/imports/{body['id']}"
    assert body["status"] == "pending"
    assert "rows" not in body
    polled = api(users.a_sales, store_a).get(body["url"]).json()
    assert polled["status"] == "done"
    assert polled["outcome_counts"] == {"created": 5}
    assert len(customers_in(in_store, store_a)) == 5
