"""Enquiry API: daily enquiries (admin), contacts with screenshots (salespeople), downloads."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from django.utils import timezone

from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry, Screenshot
from tenant_apps.outbox.models import OutboxEvent
from tests.dates import iso_day

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)


def _today() -> str:
    return timezone.localdate().isoformat()


def _png(name="shot.png", content=PNG):
    f = io.BytesIO(content)
    f.name = name
    return f


def test_admin_records_a_day_and_recording_again_corrects_it(api, store_a, users, in_store):
    client = api(users.a_admin, store_a)
    body = {"date": iso_day(-3), "channel": "tmall", "enquiries": 10, "new_enquiries": 4}
    assert client.post("/api/v1/enquiries/daily", body, format="json").status_code == 200
    response = client.post("/api/v1/enquiries/daily", {**body, "enquiries": 12, "new_enquiries": 6}, format="json")
    assert response.status_code == 200
    assert (response.json()["enquiries"], response.json()["new_enquiries"]) == (12, 6)
    with in_store(store_a):
        assert DailyEnquiry.objects.count() == 1
        assert OutboxEvent.objects.filter(topic="enquiry").count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("enquiries", -1),
        ("new_enquiries", 11),
        ("enquiries", "x"),
        ("date", "2099-01-01"),
        ("channel", "nope"),
        ("date", "05/01/2026"),
    ],
)
def test_bad_daily_input_is_refused_and_nothing_is_written(api, store_a, users, in_store, field, value):
    body = {"date": iso_day(-3), "channel": "tmall", "enquiries": 10, "new_enquiries": 4, field: value}
    response = api(users.a_admin, store_a).post("/api/v1/enquiries/daily", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    with in_store(store_a):
        assert not DailyEnquiry.objects.exists()


def test_salesperson_cannot_record_daily_enquiries(api, store_a, users):
    body = {"date": iso_day(-3), "channel": "tmall", "enquiries": 1, "new_enquiries": 1}
    assert api(users.a_sales, store_a).post("/api/v1/enquiries/daily", body, format="json").status_code == 403


def test_salesperson_records_their_own_contacts_with_screenshots(api, store_a, users, in_store):
    client = api(users.a_sales, store_a)
    response = client.post(
        "/api/v1/enquiries/contacts",
        {"date": _today(), "wechat_added": 3, "phone_contacts": 5, "screenshots": [_png(), _png("b.png")]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["user"], body["wechat_added"], body["phone_contacts"]) == (users.a_sales.pk, 3, 5)
    assert len(body["screenshots"]) == 2
    with in_store(store_a):
        shot = Screenshot.objects.first()
        assert shot.file.name.startswith(f"{store_a.schema_name}/screenshots/")
    download = client.get(body["screenshots"][0]["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"


def test_recording_contacts_again_corrects_the_day(api, store_a, users, in_store):
    client = api(users.a_sales, store_a)
    client.post("/api/v1/enquiries/contacts", {"date": _today(), "wechat_added": 3, "phone_contacts": 5}, format="json")
    client.post("/api/v1/enquiries/contacts", {"date": _today(), "wechat_added": 4, "phone_contacts": 1}, format="json")
    with in_store(store_a):
        assert list(ContactRecord.objects.values_list("wechat_added", "phone_contacts")) == [(4, 1)]


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_written(api, store_a, users, in_store):
    response = api(users.a_sales, store_a).post(
        "/api/v1/enquiries/contacts",
        {"date": _today(), "wechat_added": 1, "phone_contacts": 1, "screenshots": [_png("x.png", b"MZ" + b"0" * 40)]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"
    with in_store(store_a):
        assert not ContactRecord.objects.exists()


@override_settings(SCREENSHOT_MAX_BYTES=32)
def test_a_screenshot_over_the_limit_is_413(api, store_a, users):
    response = api(users.a_sales, store_a).post(
        "/api/v1/enquiries/contacts",
        {"date": _today(), "wechat_added": 1, "phone_contacts": 1, "screenshots": [_png()]},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"


def test_another_salesperson_cannot_see_or_download_my_screenshots(api, store_a, users):
    mine = api(users.a_sales, store_a).post(
        "/api/v1/enquiries/contacts",
        {"date": _today(), "wechat_added": 1, "phone_contacts": 1, "screenshots": [_png()]},
        format="multipart",
    )
    other = api(users.a_sales2, store_a)
    assert other.get("/api/v1/enquiries/contacts").json()["count"] == 0
    assert other.get(mine.json()["screenshots"][0]["url"]).status_code == 404
    assert api(users.a_supervisor, store_a).get(mine.json()["screenshots"][0]["url"]).status_code == 200


def test_stats_body_has_the_four_rates(api, store_a, users):
    body = api(users.a_admin, store_a).get("/api/v1/enquiries/stats?range=7d").json()
    assert set(body["metrics"]) == {
        "phone_conversion_rate",
        "wechat_conversion_rate",
        "enquiry_conversion_rate",
        "enquiry_payment_rate",
    }
    assert body["metrics"]["phone_conversion_rate"] == {"value": None, "previous": None, "change": None, "trend": None}


def test_salesperson_stats_are_their_own(api, store_a, users):
    api(users.a_sales2, store_a).post(
        "/api/v1/enquiries/contacts", {"date": _today(), "wechat_added": 7, "phone_contacts": 2}, format="json"
    )
    body = api(users.a_sales, store_a).get("/api/v1/enquiries/stats?range=today").json()
    assert body["counts"]["wechat_added"] == 0
    assert (
        api(users.a_sales, store_a).get(f"/api/v1/enquiries/stats?salesperson={users.a_sales2.pk}").status_code == 403
    )
