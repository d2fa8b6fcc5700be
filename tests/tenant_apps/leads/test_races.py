"""Round-robin under concurrent intake, on real database connections (one per thread, committed
writes): leads taken in at the same moment are spread evenly, never twice to one person out of
turn. The rows are committed, so the test removes what it made."""

from __future__ import annotations

from collections import Counter

import pytest
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.leads import services
from tenant_apps.leads.models import Lead, LeadAgent, LeadAssignment, LeadSettings
from tenant_apps.notifications.models import Notification
from tenant_apps.outbox.models import OutboxEvent
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of
from tests.races import at_once


@pytest.fixture
def world(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    admin = User.objects.get(email=user_email("a_admin"))
    sales = [User.objects.get(email=user_email(key)) for key in ("a_sales", "a_sales2")]
    with tenant_context(store):
        events = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield store, admin, sales
    with tenant_context(store):
        LeadAssignment.objects.all().delete()
        Lead.objects.all().delete()
        LeadAgent.objects.all().delete()
        LeadSettings.objects.update(rotation=0)
        Notification.objects.filter(kind__startswith="leads.").delete()
        OutboxEvent.objects.filter(id__gt=events).delete()


def test_concurrent_intake_is_spread_evenly(world):
    store, admin, sales = world
    access = access_of(admin, store)
    with tenant_context(store):
        # Committed tests before this one may have turned the rotation already.
        start = LeadSettings.objects.get().rotation if LeadSettings.objects.exists() else 0

    def intake(n: int):
        return lambda: services.lead_create(data={"wechat_id": f"race-{n}"}, access=access).owner_id

    owners = at_once(store, *(intake(n) for n in range(12)))
    assert Counter(owners) == {sales[0].pk: 6, sales[1].pk: 6}
    with tenant_context(store):
        turns = list(LeadAssignment.objects.order_by("id").values_list("owner_id", flat=True))
        # In commit order the rotation alternates strictly.
        assert all(turns[i] != turns[i + 1] for i in range(len(turns) - 1))
        assert LeadSettings.objects.get().rotation == start + 12
