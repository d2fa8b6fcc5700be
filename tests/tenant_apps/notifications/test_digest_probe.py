"""Beat sends the digests' job only to the stores where a digest's window has closed with its email
still to send."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.notifications import services
from tenant_apps.notifications.models import Notification
from tenant_apps.notifications.services.common import digest_window
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db


def sent(at: datetime) -> list[str]:
    return dispatched("notifications.send_digests", at.isoformat())


def test_digests_are_sent_from_the_moment_their_window_closes(store_a, store_b, users, in_store, mailoutbox):
    start = timezone.now()
    assert sent(start + timedelta(days=1)) == []
    with in_store(store_b), time_machine.travel(start, tick=False):
        for n in range(3):
            services.notify(recipients=[users.b_sales], kind="pool.released", title=f"Customer {n} released")
        digest = Notification.objects.get(recipient_id=users.b_sales.pk, kind="pool.released")
    assert digest.email_wanted and digest.count == 3
    closes = digest.created_at + digest_window()

    assert sent(start) == []
    assert sent(closes - timedelta(microseconds=1)) == []
    assert sent(closes) == [store_b.schema_name]

    # the run in the store the probe chose emails it, after which the store is idle again
    outcome = run_in_store(get_job("notifications.send_digests"), store=store_b, at=closes, propagate=True)
    assert outcome.ok and outcome.result == {"emailed": 1}
    assert [message.to for message in mailoutbox] == [[users.b_sales.email]]
    assert sent(closes + timedelta(days=1)) == []


def test_notifications_emailed_or_not_wanted_by_email_are_not_digests_due(store_a, store_b, users, in_store):
    long_ago = timezone.now() - timedelta(days=1)
    with in_store(store_a):
        Notification.objects.create(recipient=users.a_sales, kind="x", title="t", created_at=long_ago)
        Notification.objects.create(
            recipient=users.a_sales, kind="x", title="t", created_at=long_ago, email_wanted=True, emailed_at=long_ago
        )
    assert sent(timezone.now()) == []
