"""``manage.py seed_demo`` and ``manage.py demo_banner``."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.workspace import demo
from tenant_apps.workspace import selectors as workspace_selectors
from tenants.models import Store, Subsidiary
from tenants.routing import hq_url, store_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeder():
    """Register a throw-away seeder for one test."""
    names = []

    def register(name, func, order=100):
        demo.register_seeder(name, order=order)(func)
        names.append(name)

    yield register
    for name in names:
        demo.unregister_seeder(name)


def _demo_counts() -> tuple[int, int, int]:
    return (
        Store.objects.filter(subdomain__endswith="-pallets").count(),
        User.objects.filter(email__endswith=".demo").count(),
        Subsidiary.objects.count(),
    )


def test_the_same_seed_gives_the_same_plan():
    assert demo.demo_plan(stores=3, seed=7) == demo.demo_plan(stores=3, seed=7)


def test_another_seed_gives_other_names_but_the_same_logins():
    first, second = demo.demo_plan(stores=3, seed=7), demo.demo_plan(stores=3, seed=8)

    emails = [[a.email for a in s.accounts] for s in first.stores]
    assert emails == [[a.email for a in s.accounts] for s in second.stores]
    assert [a.name for s in first.stores for a in s.accounts] != [a.name for s in second.stores for a in s.accounts]


def test_the_plan_has_predictable_stores_and_logins():
    plan = demo.demo_plan(stores=3, seed=1)

    assert [s.subdomain for s in plan.stores] == ["tmall-pallets", "jd-pallets", "ali1688-pallets"]
    assert [s.channels for s in plan.stores] == [("tmall",), ("jd",), ("1688",)]
    assert [a.email for a in plan.stores[0].accounts] == [
        "admin@tmall-pallets.demo",
        "supervisor@tmall-pallets.demo",
        "sales1@tmall-pallets.demo",
        "sales2@tmall-pallets.demo",
        "finance@tmall-pallets.demo",
        "warehouse@tmall-pallets.demo",
    ]
    assert [a.email for a in plan.hq_accounts] == ["hq-admin@hq.demo", "hq-exec@hq.demo"]


def test_more_stores_than_the_catalogue_get_valid_unique_subdomains():
    from tenants.validators import validate_subdomain

    subdomains = [s.subdomain for s in demo.demo_plan(stores=12).stores]

    assert len(set(subdomains)) == 12
    for subdomain in subdomains:
        validate_subdomain(subdomain)


def test_seed_demo_creates_stores_accounts_and_teams(in_store):
    out = StringIO()

    call_command("seed_demo", "--stores", "2", "--seed", "7", stdout=out)

    plan = demo.demo_plan(stores=2, seed=7)
    stores = {s.subdomain: s for s in Store.objects.filter(subdomain__in=["tmall-pallets", "jd-pallets"])}
    assert set(stores) == {"tmall-pallets", "jd-pallets"}
    assert stores["tmall-pallets"].subsidiary.code == "east-china"
    assert set(Subsidiary.objects.values_list("code", flat=True)) >= {"east-china", "south-china"}
    tmall = stores["tmall-pallets"]
    roles = dict(Membership.objects.filter(store=tmall).values_list("user__email", "role"))
    assert roles == {a.email: a.role for a in plan.stores[0].accounts}
    supervisor = User.objects.get(email="supervisor@tmall-pallets.demo")
    team = Membership.objects.filter(store=tmall, supervisor=supervisor).values_list("user__email", flat=True)
    assert set(team) == {"sales1@tmall-pallets.demo", "sales2@tmall-pallets.demo"}
    assert User.objects.get(email="hq-admin@hq.demo").hq_role == "hq_admin"
    assert User.objects.get(email="hq-exec@hq.demo").hq_role == "hq_executive"
    assert User.objects.get(email="admin@jd-pallets.demo").check_password(demo.DEMO_PASSWORD)
    assert User.objects.get(email="admin@jd-pallets.demo").name == plan.stores[1].accounts[0].name
    with in_store(tmall):
        assert list(workspace_selectors.channel_list().values_list("code", flat=True)) == ["tmall"]
    assert "tmall-pallets" in out.getvalue()


def test_demo_logins_work_on_their_store(api, client):
    call_command("seed_demo", "--stores", "1", stdout=StringIO())
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


def test_if_empty_does_nothing_when_demo_data_exists():
    call_command("seed_demo", "--stores", "1", stdout=StringIO())
    before = _demo_counts()
    out = StringIO()

    call_command("seed_demo", "--stores", "1", "--if-empty", stdout=out)

    assert _demo_counts() == before
    assert before[0] == 1


def test_if_empty_seeds_when_there_is_no_demo_data():
    call_command("seed_demo", "--stores", "1", "--if-empty", stdout=StringIO())

    assert Store.objects.filter(subdomain="tmall-pallets").exists()


def test_seeding_twice_without_if_empty_is_refused():
    call_command("seed_demo", "--stores", "1", stdout=StringIO())

    with pytest.raises(CommandError, match="--if-empty"):
        call_command("seed_demo", "--stores", "1", stdout=StringIO())


def test_registered_seeders_run_in_each_store_with_their_own_seeded_random(seeder):
    calls = []

    def record(ctx: demo.DemoContext) -> str:
        calls.append(
            (ctx.store.subdomain, connection.schema_name, ctx.rng.random(), ctx.customers, ctx.user("supervisor").email)
        )
        return "recorded"

    seeder("zz-test-recorder", record)
    out = StringIO()

    call_command("seed_demo", "--stores", "2", "--seed", "5", "--customers", "11", stdout=out)

    expected_random = random.Random("demo:5:tmall-pallets:zz-test-recorder").random()
    assert calls == [
        ("tmall-pallets", "s_tmall_pallets", expected_random, 11, "supervisor@tmall-pallets.demo"),
        ("jd-pallets", "s_jd_pallets", calls[1][2], 11, "supervisor@jd-pallets.demo"),
    ]
    assert "zz-test-recorder: recorded" in out.getvalue()


def test_seeders_run_in_their_order(seeder):
    ran = []
    seeder("zz-second", lambda ctx: ran.append("second"), order=20)
    seeder("zz-first", lambda ctx: ran.append("first"), order=10)

    call_command("seed_demo", "--stores", "1", stdout=StringIO())

    assert ran == ["first", "second"]


def test_a_failing_seeder_leaves_no_demo_data(seeder):
    def broken(ctx):
        raise ValidationFailed("bad demo record")

    seeder("zz-broken", broken)
    before = _demo_counts()

    with pytest.raises(CommandError, match="bad demo record"):
        call_command("seed_demo", "--stores", "2", stdout=StringIO())

    assert _demo_counts() == before


def test_demo_banner_prints_urls_and_logins_for_every_role(store_a):
    call_command("seed_demo", "--stores", "1", stdout=StringIO())
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


def test_demo_banner_aligns_the_columns():
    call_command("seed_demo", "--stores", "2", stdout=StringIO())
    out = StringIO()

    call_command("demo_banner", stdout=out)

    login_lines = [line for line in out.getvalue().splitlines() if line.rstrip().endswith(demo.DEMO_PASSWORD)]
    password_columns = {demo.display_width(line.rstrip()) for line in login_lines}
    assert len(login_lines) == 14
    assert len(password_columns) == 1


CHINESE = re.compile(r"[\u3400-\u9fff\uff01-\uff5e]")


def _without_store_names(text: str) -> str:
    """The console text less the names of the stores and subsidiaries (data, in their own language)."""
    for name in [*Store.objects.values_list("name", flat=True), *Subsidiary.objects.values_list("name", flat=True)]:
        if CHINESE.search(name):
            text = text.replace(name, "")
    return text


def test_seed_demo_and_the_banner_speak_english_whatever_the_default_language():
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("seed_demo", "--stores", "1", stdout=out)
        call_command("demo_banner", stdout=out)

    text = _without_store_names(out.getvalue())
    assert CHINESE.findall(text) == []
    assert "Demo data seeded in" in text
    assert "HQ console" in text
    with translation.override("en"):
        assert str(StoreRole.SALESPERSON.label) in text


def test_seed_demo_makes_the_demo_records_in_the_default_language(in_store):
    with translation.override("en"):
        call_command("seed_demo", "--stores", "1", stdout=StringIO())

    store = Store.objects.get(subdomain="tmall-pallets")
    admin = Membership.objects.filter(store=store, role="admin").first().user
    with in_store(store), translation.override(settings.LANGUAGE_CODE):
        from tenant_apps.notifications.models import Notification

        welcome = Notification.objects.filter(recipient=admin, kind="demo.welcome").first()
    assert welcome is not None and not admin.language
    assert CHINESE.search(welcome.title)


def test_every_demo_member_finds_a_welcome_notification(in_store):
    from tenant_apps.notifications import selectors as notification_selectors

    call_command("seed_demo", "--stores", "1", stdout=StringIO())
    store = Store.objects.get(subdomain="tmall-pallets")
    admin = User.objects.get(email="admin@tmall-pallets.demo")
    sales = User.objects.get(email="sales1@tmall-pallets.demo")

    with in_store(store):
        admin_kinds = [n.kind for n in notification_selectors.notifications_for(user=admin)]
        sales_kinds = [n.kind for n in notification_selectors.notifications_for(user=sales)]
        assert notification_selectors.unread_count(user=admin) >= 1

    assert admin_kinds.count("demo.welcome") == 1
    assert sales_kinds.count("demo.welcome") == 1


def test_a_fresh_demo_keeps_to_its_own_pool_rules(in_store):
    """The pool jobs that run in the first day after ``make run`` find nothing due: no owned customer
    goes back to the pool and nobody is notified of a release. One demo, the jobs run at each
    moment of that day in turn (a job that finds nothing due changes nothing, so each moment sees
    the fresh demo)."""
    from tenant_apps.customers.models import Customer
    from tenant_apps.notifications.models import Notification
    from tenant_apps.pool import services as pool_services
    from tenant_apps.pool.models import Release

    now = timezone.now()
    call_command("seed_demo", "--stores", "1", "--customers", "200", stdout=StringIO())
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


def test_a_fresh_demo_gives_the_jobs_nothing_to_rewrite(in_store):
    """Every record of a fresh demo is already in the state its jobs would put it in: no quotation
    past its validity is still open, no owned customer is past a pool deadline."""
    from shared_apps.platform import jobs

    now = timezone.now()
    call_command("seed_demo", "--stores", "1", "--customers", "120", stdout=StringIO())
    store = Store.objects.get(subdomain="tmall-pallets")

    results = {
        name: jobs.run_in_store(jobs.get_job(name), store=store, at=now + timedelta(minutes=15), propagate=True).result
        for name in ("quotations.expire", "pool.release", "pool.return_deadline")
    }

    assert results["quotations.expire"] == {"expired": 0}
    assert results["pool.release"]["released"] == 0
    assert results["pool.return_deadline"]["released"] == 0


# --- the demo reaches HQ before `make run` prints its banner ----------------------------------------

HQ_RANGES = ("30d", "7d", "today")


def test_a_fresh_demo_shows_the_same_figures_at_hq_as_in_each_store(api, in_store):
    """Right after ``seed_demo``, with no drain or reconciliation run by hand, every demo store's HQ
    figures equal its own Kanban for every headline key (value and previous), and a reconciliation
    finds nothing to fix."""
    import time_machine

    from hq_reports import rollups

    call_command("seed_demo", "--stores", "2", "--customers", "120", "--orders", "40", stdout=StringIO())
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


def test_seed_demo_feeds_hq_only_when_it_seeded_something(monkeypatch):
    call_command("seed_demo", "--stores", "1", "--customers", "20", "--orders", "5", stdout=StringIO())
    fed = []
    monkeypatch.setattr(demo, "feed_hq", lambda *, subdomains: fed.append(subdomains) or [])

    call_command("seed_demo", "--stores", "1", "--if-empty", stdout=StringIO())

    assert fed == []


def test_a_failing_hq_feed_keeps_the_demo_and_names_the_stores(monkeypatch):
    from hq_reports import rollups

    def broken(**kwargs):
        raise RuntimeError("facts unavailable")

    monkeypatch.setattr(rollups, "reconcile", broken)
    err = StringIO()

    with pytest.raises(CommandError, match="tmall-pallets"):
        call_command("seed_demo", "--stores", "1", "--customers", "20", "--orders", "5", stdout=StringIO(), stderr=err)

    assert Store.objects.filter(subdomain="tmall-pallets").exists()
    assert "hq.reconcile tmall-pallets: failed: RuntimeError: facts unavailable" in err.getvalue()
