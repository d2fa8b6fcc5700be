"""Beat sends the digests' job only to the stores where a digest's window has closed with its email
still to send."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from shared_apps.accounts.models import User
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


def _digest_to(user, store, in_store, at) -> Notification:
    with in_store(store), time_machine.travel(at, tick=False):
        for n in range(2):
            services.notify(recipients=[user], kind="pool.released", title=f"Customer {n} released")
        return Notification.objects.get(recipient_id=user.pk, kind="pool.released")


def test_a_digest_to_someone_without_an_email_address_is_not_due(store_a, store_b, users, in_store, mailoutbox):
    User.objects.filter(pk=users.b_sales.pk).update(email="")
    start = timezone.now()
    with_address = _digest_to(users.a_sales, store_a, in_store, start)
    without = _digest_to(users.b_sales, store_b, in_store, start)
    closes = start + digest_window()

    # store A's digest waits for its email; store B's only pending digest can never be emailed
    assert with_address.email_wanted and not with_address.email_skipped
    assert not without.email_wanted and without.email_skipped == Notification.EmailSkipped.NO_ADDRESS
    assert without.count == 2
    assert sent(closes) == [store_a.schema_name]

    # the sender in store B neither fails nor sends
    outcome = run_in_store(get_job("notifications.send_digests"), store=store_b, at=closes, propagate=True)
    assert outcome.ok and outcome.result == {"emailed": 0}
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"email": ""}, "no_address"), ({"is_active": False}, "inactive")],
)
def test_a_digest_whose_recipient_cannot_be_emailed_any_more_is_skipped_once_with_the_reason(
    store_b, users, in_store, mailoutbox, change, reason
):
    start = timezone.now()
    digest = _digest_to(users.b_sales, store_b, in_store, start)
    assert digest.email_wanted
    User.objects.filter(pk=users.b_sales.pk).update(**change)
    closes = start + digest_window()
    assert sent(closes) == [store_b.schema_name]

    outcome = run_in_store(get_job("notifications.send_digests"), store=store_b, at=closes, propagate=True)

    assert outcome.ok and outcome.result == {"emailed": 0}
    assert mailoutbox == []
    with in_store(store_b):
        digest.refresh_from_db()
    assert (digest.email_wanted, digest.email_skipped, digest.emailed_at) == (False, reason, None)
    # settled: the store is not due again, a minute or a day later
    assert sent(closes + timedelta(minutes=1)) == []
    assert sent(closes + timedelta(days=1)) == []
