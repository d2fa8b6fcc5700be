"""Enquiry pages: statistics, the daily grid (admins) and my contacts (salespeople)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry
from tenant_apps.workspace.models import Channel

pytestmark = pytest.mark.django_db


def test_stats_page_shows_the_rates(page_client, store_a, users):
    response = page_client(users.a_admin, store_a).get("/enquiries/?range=7d")
    assert response.status_code == 200
    assert b'data-rate="enquiry_conversion_rate"' in response.content


def test_admin_saves_the_daily_grid(page_client, store_a, users, in_store):
    with in_store(store_a):
        tmall = Channel.objects.get(code="tmall")
    day = timezone.localdate().isoformat()
    response = page_client(users.a_admin, store_a).post(
        "/enquiries/daily/", {"date": day, f"enquiries_{tmall.pk}": "9", f"new_enquiries_{tmall.pk}": "3"}
    )
    assert response.status_code == 302
    with in_store(store_a):
        assert list(DailyEnquiry.objects.values_list("channel_id", "enquiries", "new_enquiries")) == [(tmall.pk, 9, 3)]


def test_one_bad_row_saves_nothing(page_client, store_a, users, in_store):
    with in_store(store_a):
        tmall, jd = Channel.objects.get(code="tmall"), Channel.objects.get(code="jd")
    day = timezone.localdate().isoformat()
    response = page_client(users.a_admin, store_a).post(
        "/enquiries/daily/",
        {
            "date": day,
            f"enquiries_{tmall.pk}": "9",
            f"new_enquiries_{tmall.pk}": "3",
            f"enquiries_{jd.pk}": "1",
            f"new_enquiries_{jd.pk}": "5",
        },
    )
    assert response.status_code == 200
    with in_store(store_a):
        assert not DailyEnquiry.objects.exists()


def test_salesperson_cannot_open_the_daily_grid(page_client, store_a, users):
    assert page_client(users.a_sales, store_a).get("/enquiries/daily/").status_code == 403


def test_salesperson_records_contacts_from_the_page(page_client, store_a, users, in_store):
    day = timezone.localdate().isoformat()
    response = page_client(users.a_sales, store_a).post(
        "/enquiries/contacts/", {"date": day, "wechat_added": "2", "phone_contacts": "6"}
    )
    assert response.status_code == 302
    with in_store(store_a):
        assert ContactRecord.objects.get().user_id == users.a_sales.pk


def test_stats_page_colours_each_change_by_the_metric_catalogue(page_client, store_a, users, in_store):
    """Phone conversion 2/10 a week ago, 5/10 now: a rise of 30 points, good news."""
    from tenant_apps.enquiries import services
    from tests.dates import days_from_today
    from tests.factories import access_of

    with in_store(store_a):
        for days, phone in ((-8, 2), (0, 5)):
            day = days_from_today(days).isoformat()
            services.daily_enquiry_record(
                day=day, channel="tmall", enquiries=10, new_enquiries=10, access=access_of(users.a_admin)
            )
            services.contact_record(access=access_of(users.a_sales), day=day, wechat_added=0, phone_contacts=phone)

    html = page_client(users.a_admin, store_a).get("/enquiries/?range=7d").content.decode()

    assert 'data-rate="phone_conversion_rate">50.0%<' in html
    assert '<span class="metric-change trend-good" title="好于上一时段">▲ 30.0 个百分点</span>' in html
