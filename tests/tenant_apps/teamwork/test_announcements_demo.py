"""The team-work demo seeder: announcements (one read), work assignments, daily reports."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from tenant_apps.teamwork.demo import TASKS, seed_team_work
from tenant_apps.teamwork.models import Announcement, AnnouncementReceipt, DailyReport, WorkTask
from tenant_apps.workspace.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_seeder_makes_announcements_tasks_and_reports(store_a, users, in_store):
    members = {
        "salesperson": (users.a_sales, users.a_sales2),
        "supervisor": (users.a_supervisor,),
        "admin": (users.a_admin,),
    }
    ctx = DemoContext(
        store=store_a, members=members, rng=random.Random(1), customers=0, orders=0, seed=1, now=timezone.now()
    )
    with in_store(store_a):
        assert seed_team_work(ctx)
        assert Announcement.objects.count() == 2
        assert AnnouncementReceipt.objects.filter(read_at__isnull=False).count() == 1
        assert WorkTask.objects.count() == len(TASKS)
        assert set(WorkTask.objects.values_list("status", flat=True)) == {"open", "in_progress", "done"}
        assert DailyReport.objects.count() == 6
        assert DailyReport.objects.filter(author_id=users.a_sales.pk).values("date").distinct().count() == 3


def test_seeder_skips_a_store_without_salespeople(store_a, users, in_store):
    ctx = DemoContext(
        store=store_a,
        members={"admin": (users.a_admin,)},
        rng=random.Random(1),
        customers=0,
        orders=0,
        seed=1,
        now=timezone.now(),
    )
    with in_store(store_a):
        assert seed_team_work(ctx) is None
        assert not Announcement.objects.exists()
