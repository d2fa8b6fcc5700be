"""``manage.py seed_demo`` and ``manage.py demo_banner``."""

from __future__ import annotations

import random
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.workspace import demo
from tenant_apps.workspace import selectors as workspace_selectors
from tenants.models import Store, Subsidiary

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


# --- the demo reaches HQ before `make run` prints its banner ----------------------------------------


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
