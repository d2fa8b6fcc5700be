"""``manage.py create_store`` and ``ensure_public_tenant``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_exists

from shared_apps.accounts.models import Membership, User
from tenant_apps.workspace import selectors as workspace_selectors
from tenants import provisioning
from tenants.models import Domain, Provisioning, Store
from tenants.provisioning import ensure_public_tenant
from tenants.routing import store_url
from tests.factories import SubsidiaryFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple[int, int, int, int]:
    return (Store.objects.count(), Domain.objects.count(), Provisioning.objects.count(), User.objects.count())


def test_create_store_makes_a_ready_store_with_its_admin_and_channels(password, in_store):
    east = SubsidiaryFactory(code="east", name="East")
    out = StringIO()

    call_command(
        "create_store",
        "--name",
        "Charlie",
        "--subdomain",
        "charlie",
        "--subsidiary",
        "east",
        "--owner-email",
        "owner@charlie.example",
        "--owner-password",
        password,
        "--channel",
        "tmall",
        "--channel",
        "jd",
        stdout=out,
    )

    store = Store.objects.get(subdomain="charlie")
    assert store.subsidiary == east
    assert schema_exists(store.schema_name)
    assert Domain.objects.filter(tenant=store, domain=f"charlie.{settings.BASE_DOMAIN}").exists()
    owner = User.objects.get(email="owner@charlie.example")
    assert Membership.objects.get(user=owner, store=store).role == "admin"
    with in_store(store):
        assert set(workspace_selectors.channel_list().values_list("code", flat=True)) == {"tmall", "jd"}
    assert store_url("charlie") in out.getvalue()


def test_create_store_makes_an_existing_user_the_admin(users):
    call_command("create_store", "--name", "Delta", "--subdomain", "delta", "--owner-email", users.b_sales.email)

    store = Store.objects.get(subdomain="delta")
    assert Membership.objects.get(user=users.b_sales, store=store).role == "admin"


@pytest.mark.parametrize(
    ("subdomain", "code"),
    [("Admin!", "subdomain_invalid"), ("www", "subdomain_reserved"), ("alpha", "subdomain_taken")],
)
def test_create_store_with_a_bad_subdomain_fails_and_leaves_nothing(store_a, password, subdomain, code):
    before = _snapshot()

    with pytest.raises(CommandError, match=code):
        call_command(
            "create_store",
            "--name",
            "Bad",
            "--subdomain",
            subdomain,
            "--owner-email",
            "bad-owner@example.com",
            "--owner-password",
            password,
        )

    assert _snapshot() == before


def test_create_store_with_an_unknown_subsidiary_fails(store_a):
    before = _snapshot()

    with pytest.raises(CommandError, match="nowhere"):
        call_command("create_store", "--name", "Echo", "--subdomain", "echo", "--subsidiary", "nowhere")

    assert _snapshot() == before


def test_create_store_with_a_weak_owner_password_fails_and_leaves_nothing():
    before = _snapshot()

    with pytest.raises(CommandError, match="password"):
        call_command(
            "create_store",
            "--name",
            "Echo",
            "--subdomain",
            "echo",
            "--owner-email",
            "e@x.example",
            "--owner-password",
            "1",
        )

    assert _snapshot() == before


def test_a_schema_that_fails_to_clone_leaves_no_store_no_record_no_owner(monkeypatch, password):
    def broken(schema):
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioning, "_materialise_schema", broken)
    before = _snapshot()

    with pytest.raises(CommandError, match="disk full"):
        call_command(
            "create_store",
            "--name",
            "Foxtrot",
            "--subdomain",
            "foxtrot",
            "--owner-email",
            "fox@example.com",
            "--owner-password",
            password,
        )

    assert _snapshot() == before
    assert not schema_exists("s_foxtrot")


def test_create_store_exits_non_zero_from_the_command_line():
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "create_store", "--name", "X", "--subdomain", "www"])
    with pytest.raises(SystemExit) as exited:
        utility.execute()

    assert exited.value.code != 0


def test_ensure_public_tenant_is_idempotent():
    first = ensure_public_tenant()
    second = ensure_public_tenant()

    assert first.pk == second.pk
    assert first.schema_name == settings.PUBLIC_SCHEMA_NAME
    assert Store.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).count() == 1
    assert Domain.objects.filter(domain=settings.BASE_DOMAIN, tenant=first).count() == 1
