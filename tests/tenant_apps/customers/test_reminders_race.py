"""Two reminder runs at the same moment on two real connections: each owner is reminded once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.customers import services
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import Notification
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.races import at_once

KIND = "customers.follow_up_due"


def test_concurrent_reminder_runs_notify_each_due_follow_up_once(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    owner = User.objects.get(email=user_email("a_sales"))
    now = timezone.now()
    with tenant_context(store):
        ids = [
            Customer.objects.create(
                name=f"race {i}", owner_id=owner.pk, next_follow_up_at=now - timedelta(minutes=i)
            ).pk
            for i in range(40)
        ]
    try:
        sent = at_once(store, *[lambda: services.follow_up_reminders_send(at=now)] * 2)

        with tenant_context(store):
            # Reminders to one person within minutes are one digest; its items name each customer.
            reminded = sorted(
                customer
                for note in Notification.objects.filter(kind=KIND)
                for customer in (
                    [item["data"].get("customer") for item in note.data["items"]]
                    if note.count > 1
                    else [note.data.get("customer")]
                )
                if customer in ids
            )
        assert sum(sent) == 40
        assert reminded == sorted(ids)
    finally:
        with tenant_context(store):
            Notification.objects.filter(kind=KIND).delete()
            Customer.objects.filter(pk__in=ids).delete()
