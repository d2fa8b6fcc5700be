"""The jobs registered by the foundation's apps, run through ``run_job``."""

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from shared_apps.accounts.models import ApiToken
from shared_apps.accounts.services import token_create
from tenant_apps.notifications import services as notifications
from tenant_apps.notifications.models import Notification
from tests.factories import access_of

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("run_job", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_purge_read_for_one_store_leaves_other_stores_alone(store_a, store_b, users, in_store):
    for store, user in ((store_a, users.a_sales), (store_b, users.b_sales)):
        with in_store(store):
            read = notifications.notify(recipients=[user], kind="x.y", title="read")[0]
            notifications.notify(recipients=[user], kind="x.y", title="unread")
            notifications.mark_read(access=access_of(user), ids=[read.pk])
    out = run("notifications.purge_read", "--store", "alpha", "--at", "2099-01-01T00:00:00+08:00")
    assert "alpha: deleted=1" in out
    with in_store(store_a):
        assert list(Notification.objects.values_list("title", flat=True)) == ["unread"]
    with in_store(store_b):
        assert sorted(Notification.objects.values_list("title", flat=True)) == ["read", "unread"]


def test_purge_read_keeps_notifications_read_recently(store_a, users, in_store):
    with in_store(store_a):
        read = notifications.notify(recipients=[users.a_sales], kind="x.y", title="read")[0]
        notifications.mark_read(access=access_of(users.a_sales), ids=[read.pk])
    at = (timezone.now() + timedelta(days=89)).isoformat()
    assert "alpha: deleted=0" in run("notifications.purge_read", "--store", "alpha", "--at", at)


def test_purge_expired_tokens_deletes_tokens_dead_for_30_days(users):
    now = timezone.now()
    expired, _ = token_create(user=users.a_sales, name="expired")
    revoked, _ = token_create(user=users.a_sales, name="revoked")
    recent, _ = token_create(user=users.a_sales, name="recently revoked")
    token_create(user=users.a_sales, name="alive")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(days=31))
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=now - timedelta(days=31))
    ApiToken.objects.filter(pk=recent.pk).update(revoked_at=now - timedelta(days=29))
    out = run("accounts.purge_expired_tokens", "--at", now.isoformat())
    assert "(global): deleted=2" in out
    assert set(ApiToken.objects.filter(user=users.a_sales).values_list("name", flat=True)) == {
        "recently revoked",
        "alive",
    }


def test_axes_cleanup_deletes_attempts_past_the_cool_off():
    now = timezone.now()
    for name, age in (("old@example.com", timedelta(days=1)), ("fresh@example.com", timedelta(minutes=1))):
        attempt = AccessAttempt.objects.create(
            username=name, ip_address="10.0.0.1", user_agent="t", failures_since_start=3, get_data="", post_data=""
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=now - age)
    out = run("axes.cleanup", "--at", now.isoformat())
    assert "(global): deleted=1" in out
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["fresh@example.com"]


def test_refill_spares_runs_globally():
    assert "(global): made=0" in run("tenants.refill_spares")
