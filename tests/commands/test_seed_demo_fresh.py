"""What a fresh demo holds, read from one demo seeded for the whole module (``manage.py seed_demo``
with its defaults, two stores): logins, the banner, welcome notifications, pool rules and jobs with
nothing due, and HQ's figures equal to each store's own.

The demo is seeded once inside a transaction that is rolled back after the module; each test runs
in a savepoint of it (as Django's ``TestCase.setUpTestData`` does), so nothing a test does reaches
the next one. Seeding itself (plans, ``--if-empty``, seeders, failures, languages) is tested in
``test_seed_demo.py``, each test with its own demo.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from shared_apps.accounts.models import User
from tenant_apps.workspace import demo
from tenants.models import Store
from tenants.routing import hq_url, store_url
from tests.factories import access_of

pytestmark = pytest.mark.django_db

HQ_RANGES = ("30d", "7d", "today")


@pytest.fixture(scope="module")
def fresh_demo(django_db_setup, django_db_blocker):
    """The demo of ``seed_demo --stores 2``, seeded once; ``seeded_at`` is the moment it was made."""
    out = StringIO()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seeded_at = timezone.now()
            call_command("seed_demo", "--stores", "2", stdout=out)
            yield SimpleNamespace(seeded_at=seeded_at, output=out.getvalue())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_demo_logins_work_on_their_store(fresh_demo, api, client):
    store = Store.objects.get(subdomain="tmall-pallets")

    token = client.post(
        "/api/v1/auth/token",
        {"email": "sales1@tmall-pallets.demo", "password": demo.DEMO_PASSWORD},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert token.status_code == 200
    me = api(User.objects.get(email="sales1@tmall-pallets.demo"), store).get("/api/v1/me").json()
    assert me["role"] == "salesperson"


def test_demo_banner_prints_urls_and_logins_for_every_role(fresh_demo, store_a):
    out = StringIO()

    call_command("demo_banner", stdout=out)

    text = out.getvalue()
    assert hq_url() in text
    assert store_url("tmall-pallets") in text
    assert store_url("alpha") in text
    for email in ["hq-admin@hq.demo", "hq-exec@hq.demo"] + [
        a.email for a in demo.demo_plan(stores=1).stores[0].accounts
    ]:
        line = next(line for line in text.splitlines() if email in line)
        assert line.rstrip().endswith(demo.DEMO_PASSWORD)


def test_demo_banner_aligns_the_columns(fresh_demo):
    out = StringIO()

    call_command("demo_banner", stdout=out)

    login_lines = [line for line in out.getvalue().splitlines() if line.rstrip().endswith(demo.DEMO_PASSWORD)]
    password_columns = {demo.display_width(line.rstrip()) for line in login_lines}
    assert len(login_lines) == 14
    assert len(password_columns) == 1


def test_every_demo_member_finds_a_welcome_notification(fresh_demo, in_store):
    from tenant_apps.notifications import selectors as notification_selectors

    store = Store.objects.get(subdomain="tmall-pallets")
    admin = User.objects.get(email="admin@tmall-pallets.demo")
    sales = User.objects.get(email="sales1@tmall-pallets.demo")

    with in_store(store):
        admin_kinds = [n.kind for n in notification_selectors.notifications_for(access=access_of(admin))]
        sales_kinds = [n.kind for n in notification_selectors.notifications_for(access=access_of(sales))]
        assert notification_selectors.unread_count(access=access_of(admin)) >= 1

    assert admin_kinds.count("demo.welcome") == 1
    assert sales_kinds.count("demo.welcome") == 1


def test_a_fresh_demo_keeps_to_its_own_pool_rules(fresh_demo, in_store):
    """The pool jobs that run in the first day after ``make run`` find nothing due: no owned customer
    goes back to the pool and nobody is notified of a release. One demo, the jobs run at each
    moment of that day in turn (a job that finds nothing due changes nothing, so each moment sees
    the fresh demo)."""
    from tenant_apps.customers.models import Customer
    from tenant_apps.notifications.models import Notification
    from tenant_apps.pool import services as pool_services
    from tenant_apps.pool.models import Release

    now = fresh_demo.seeded_at
    store = Store.objects.get(subdomain="tmall-pallets")
    with in_store(store):
        owned = Customer.objects.live().filter(owner__isnull=False).count()
        releases = Release.objects.count()
        notified = Notification.objects.filter(kind__startswith="pool.released").count()
        assert owned > 100

        for later in (timedelta(0), timedelta(minutes=15), timedelta(hours=6), timedelta(hours=23)):
            released = pool_services.release_due_customers(at=now + later)
            returned = pool_services.return_unvisited_customers(at=now + later)

            assert released["released"] == 0, (later, released)
            assert returned["released"] == 0, (later, returned)
            assert Customer.objects.live().filter(owner__isnull=False).count() == owned, later
            assert Release.objects.count() == releases, later
            assert Notification.objects.filter(kind__startswith="pool.released").count() == notified, later


def test_a_fresh_demo_gives_the_jobs_nothing_to_rewrite(fresh_demo, in_store):
    """Every record of a fresh demo is already in the state its jobs would put it in: no quotation
    past its validity is still open, no owned customer is past a pool deadline."""
    from shared_apps.platform import jobs

    now = fresh_demo.seeded_at
    store = Store.objects.get(subdomain="tmall-pallets")

    results = {
        name: jobs.run_in_store(jobs.get_job(name), store=store, at=now + timedelta(minutes=15), propagate=True).result
        for name in ("quotations.expire", "pool.release", "pool.return_deadline")
    }

    assert results["quotations.expire"] == {"expired": 0}
    assert results["pool.release"]["released"] == 0
    assert results["pool.return_deadline"]["released"] == 0


def test_a_fresh_demo_shows_the_same_figures_at_hq_as_in_each_store(fresh_demo, api, in_store):
    """Right after ``seed_demo``, with no drain or reconciliation run by hand, every demo store's HQ
    figures equal its own Kanban for every headline key (value and previous), and a reconciliation
    finds nothing to fix."""
    import time_machine

    from hq_reports import rollups

    hq_exec = User.objects.get(email="hq-exec@hq.demo")
    stores = list(Store.objects.filter(subdomain__in=["tmall-pallets", "jd-pallets"]).order_by("subdomain"))
    assert len(stores) == 2

    with time_machine.travel(timezone.now(), tick=False):
        for store in stores:
            admin = User.objects.get(email=f"admin@{store.subdomain}.demo")
            for range_name in HQ_RANGES:
                hq = api(hq_exec).get("/api/v1/hq/dashboard", {"store": store.pk, "range": range_name})
                own = api(admin, store).get("/api/v1/kanban", {"range": range_name})
                assert hq.status_code == own.status_code == 200
                hq_metrics, own_metrics = hq.json()["metrics"], own.json()["metrics"]
                assert set(hq_metrics) == set(own_metrics)
                for key, figure in own_metrics.items():
                    assert hq_metrics[key]["value"] == figure["value"], (store.subdomain, range_name, key)
                    assert hq_metrics[key]["previous"] == figure["previous"], (store.subdomain, range_name, key)
                if range_name == "30d":  # the comparison is between real figures
                    assert hq_metrics["orders"]["value"] > 0
                    assert hq_metrics["lost_rate"]["value"] is not None

    for store in stores:
        with in_store(store):
            report = rollups.reconcile(fix=False)
        assert report["orders"]["store"] > 0
        assert {name: c for name, c in report.items() if c["missing"] or c["extra"] or c["changed"]} == {}
