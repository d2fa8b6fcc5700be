"""The enquiry demo seeder fills the statistics with daily records and contacts."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from shared_apps.reporting.periods import resolve_period
from tenant_apps.enquiries.demo import DAYS, seed_enquiries
from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry
from tenant_apps.kanban.reporting import enquiry_stats_body
from tenant_apps.workspace.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_seeder_records_every_day_and_the_rates_are_not_null(store_a, users, in_store):
    members = {"salesperson": (users.a_sales, users.a_sales2), "admin": (users.a_admin,)}
    ctx = DemoContext(
        store=store_a, members=members, rng=random.Random(1), customers=0, orders=0, seed=1, now=timezone.now()
    )
    with in_store(store_a):
        assert seed_enquiries(ctx)
        channels = DailyEnquiry.objects.values("channel").distinct().count()
        assert DailyEnquiry.objects.count() == DAYS * channels
        assert ContactRecord.objects.count() == DAYS * 2
        body = enquiry_stats_body(period=resolve_period(range="7d"))
    assert body["metrics"]["wechat_conversion_rate"]["value"] is not None
