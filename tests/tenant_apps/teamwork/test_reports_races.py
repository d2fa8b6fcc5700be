"""Races on real connections: the same person sending their daily report twice at once ends with
one report for the day (the later content), one notification of the supervisor, and no error.

The rows are committed, so the test removes what it made."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.notifications.models import Notification
from tenant_apps.teamwork import services
from tenant_apps.teamwork.models import DailyReport
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of
from tests.races import at_once


@pytest.fixture
def world(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    users = {key: User.objects.get(email=user_email(key)) for key in ("a_sales", "a_supervisor")}
    yield store, users
    with tenant_context(store):
        DailyReport.objects.filter(author_id=users["a_sales"].pk).delete()
        Notification.objects.filter(kind="kanban.daily_report").delete()


def test_two_submissions_at_once_make_one_report(world):
    store, users = world
    access = access_of(users["a_sales"], store)

    def submit(index: int):
        return lambda: services.report_submit(access=access, done_today=f"version {index}")[1]

    outcomes = at_once(store, submit(0), submit(1), keep_exceptions=True)

    assert sorted(outcomes, key=str) == [False, True], outcomes
    with tenant_context(store):
        reports = list(DailyReport.objects.filter(author_id=users["a_sales"].pk))
        assert len(reports) == 1
        assert reports[0].done_today in ("version 0", "version 1")
        assert (
            Notification.objects.filter(kind="kanban.daily_report", recipient_id=users["a_supervisor"].pk).count() == 1
        )
