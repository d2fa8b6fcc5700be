from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.notifications import selectors, services
from tenant_apps.notifications.models import Notification
from tests.factories import access_of
from tests.factories.accounts import MembershipFactory

pytestmark = pytest.mark.django_db


def test_notify_creates_one_row_per_member_recipient(store_a, users, in_store):
    with in_store(store_a):
        created = services.notify(
            recipients=[users.a_sales, users.a_supervisor.pk, users.a_sales],
            kind="claim.filed",
            title="Claim filed",
            body="Li Lei asks for customer 12",
            url="/claims/3/",
            data={"claim": 3},
        )
        rows = Notification.objects.order_by("recipient_id")
        assert len(created) == 2
        assert sorted(r.recipient_id for r in rows) == sorted([users.a_sales.pk, users.a_supervisor.pk])
        assert {(r.kind, r.title, r.url, r.data["claim"]) for r in rows} == {
            ("claim.filed", "Claim filed", "/claims/3/", 3)
        }
        assert all(r.read_at is None and r.emailed_at is None for r in rows)


def test_notify_skips_users_who_are_not_members_of_the_current_store(store_a, store_b, users, in_store):
    with in_store(store_a):
        created = services.notify(
            recipients=[users.a_sales, users.b_sales, users.hq_exec, users.nobody], kind="x.y", title="Hello"
        )
        assert [n.recipient_id for n in created] == [users.a_sales.pk]
    with in_store(store_b):
        assert not Notification.objects.exists()
        assert selectors.unread_count(access=access_of(users.b_sales)) == 0


def test_notify_skips_deactivated_members(store_a, users, in_store):
    membership = MembershipFactory(store=store_a, role="salesperson", is_active=False)
    with in_store(store_a):
        assert services.notify(recipients=[membership.user], kind="x.y", title="Hello") == []


def test_notify_refuses_a_link_outside_the_store(store_a, users, in_store):
    with in_store(store_a), pytest.raises(ValidationFailed) as exc:
        services.notify(recipients=[users.a_sales], kind="x.y", title="Phish", url="https://evil.example/")
    assert "url" in exc.value.errors


def test_notify_refuses_to_run_in_the_public_schema(users):
    with pytest.raises(RuntimeError):
        services.notify(recipients=[users.a_sales], kind="x.y", title="Hello")


def test_lazy_title_is_rendered_in_each_recipients_language(store_a, users, in_store):
    users.a_sales.language = "zh-hans"
    users.a_sales.save(update_fields=["language"])
    users.a_finance.language = "en"
    users.a_finance.save(update_fields=["language"])
    with in_store(store_a):
        services.notify(recipients=[users.a_sales, users.a_finance], kind="x.y", title=gettext_lazy("Yes"))
        titles = dict(Notification.objects.values_list("recipient_id", "title"))
    assert titles[users.a_finance.pk] == "Yes"
    assert titles[users.a_sales.pk] == "是"


def test_email_is_sent_once_after_commit(store_a, users, in_store, mailoutbox, django_capture_on_commit_callbacks):
    with in_store(store_a):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            created = services.notify(
                recipients=[users.a_sales], kind="claim.approved", title="Claim approved", url="/claims/3/", email=True
            )
            assert mailoutbox == []  # nothing leaves before the commit
        assert len(callbacks) == 1
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == [users.a_sales.email]
        assert "Claim approved" in message.subject
        assert "http://alpha.localhost" in message.body and "/claims/3/" in message.body
        created[0].refresh_from_db()
        assert created[0].emailed_at is not None
        # Running the task again (a retry, a duplicate message) sends nothing more.
        assert services.email_notifications(notification_ids=[created[0].pk]) == 0
    assert len(mailoutbox) == 1


def test_no_email_when_the_transaction_rolls_back(
    store_a, users, in_store, mailoutbox, django_capture_on_commit_callbacks
):
    with in_store(store_a), django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            services.notify(recipients=[users.a_sales], kind="x.y", title="Never", email=True)
            1 / 0  # noqa: B018
        assert not Notification.objects.exists()
    assert callbacks == []
    assert mailoutbox == []


def test_no_email_without_email_flag(store_a, users, in_store, mailoutbox, django_capture_on_commit_callbacks):
    with in_store(store_a), django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(recipients=[users.a_sales], kind="x.y", title="Quiet")
    assert callbacks == []
    assert mailoutbox == []


def test_mark_read_marks_only_the_users_own_notifications(store_a, users, in_store):
    with in_store(store_a):
        mine = services.notify(recipients=[users.a_sales], kind="x.y", title="Mine")[0]
        theirs = services.notify(recipients=[users.a_sales2], kind="x.y", title="Theirs")[0]
        assert services.mark_read(access=access_of(users.a_sales), ids=[mine.pk, theirs.pk]) == 1
        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert mine.read_at is not None
        assert theirs.read_at is None


def test_mark_read_without_ids_marks_all_of_the_users_notifications(store_a, users, in_store):
    with in_store(store_a):
        for title in ("One", "Two"):
            services.notify(recipients=[users.a_sales, users.a_sales2], kind="x.y", title=title)
        assert services.mark_read(access=access_of(users.a_sales)) == 2
        assert selectors.unread_count(access=access_of(users.a_sales)) == 0
        assert selectors.unread_count(access=access_of(users.a_sales2)) == 2


def test_unread_count_counts_only_unread_of_the_user(store_a, users, in_store):
    with in_store(store_a):
        first = services.notify(recipients=[users.a_sales], kind="x.y", title="One")[0]
        services.notify(recipients=[users.a_sales], kind="x.y", title="Two")
        services.notify(recipients=[users.a_finance], kind="x.y", title="Other")
        services.mark_read(access=access_of(users.a_sales), ids=[first.pk])
        assert selectors.unread_count(access=access_of(users.a_sales)) == 1


def test_notifications_for_lists_newest_first_and_filters_unread(store_a, users, in_store):
    with in_store(store_a):
        old = services.notify(recipients=[users.a_sales], kind="x.y", title="Old")[0]
        Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
        new = services.notify(recipients=[users.a_sales], kind="x.y", title="New")[0]
        services.notify(recipients=[users.a_finance], kind="x.y", title="Not mine")
        assert [n.title for n in selectors.notifications_for(access=access_of(users.a_sales))] == ["New", "Old"]
        services.mark_read(access=access_of(users.a_sales), ids=[new.pk])
        assert [n.title for n in selectors.notifications_for(access=access_of(users.a_sales), unread_only=True)] == [
            "Old"
        ]


def test_purge_read_deletes_only_notifications_read_long_ago(store_a, users, in_store):
    now = timezone.now()
    with in_store(store_a):
        old, recent, unread = [services.notify(recipients=[users.a_sales], kind="x.y", title=t)[0] for t in "abc"]
        Notification.objects.filter(pk=old.pk).update(read_at=now - timedelta(days=91))
        Notification.objects.filter(pk=recent.pk).update(read_at=now - timedelta(days=89))
        assert services.purge_read(at=now) == 1
        assert set(Notification.objects.values_list("pk", flat=True)) == {recent.pk, unread.pk}
