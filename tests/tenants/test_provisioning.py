"""Provisioning a store: a renamed spare or a clone of the template, all or nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from shared_apps.accounts.models import Membership
from shared_apps.platform.errors import Conflict, ValidationFailed
from tenant_apps.workspace.models import Channel, StoreSettings
from tenants import provisioning
from tenants.migration import schemas_needing_migration
from tenants.models import Domain, Provisioning, SpareSchema, Store
from tenants.provisioning import ProvisioningError, create_store_now, refill_spares, request_store
from tenants.signals import store_provisioned
from tests.factories import SubsidiaryFactory, UserFactory


def channel_codes(schema: str) -> list[str]:
    with schema_context(schema):
        return sorted(Channel.objects.values_list("code", flat=True))


def nothing_left_of(subdomain: str) -> bool:
    return (
        not Store.objects.filter(subdomain=subdomain).exists()
        and not Domain.objects.filter(domain=f"{subdomain}.{settings.BASE_DOMAIN}").exists()
        and not schema_exists(f"s_{subdomain}")
    )


def test_provisioning_creates_store_domain_schema_channels_and_owner_membership(db):
    owner = UserFactory()
    subsidiary = SubsidiaryFactory()

    record = request_store(
        name="Charlie", subdomain="charlie", subsidiary=subsidiary, owner=owner, channels=["tmall", "pdd"], run_now=True
    )

    assert record.status == Provisioning.Status.READY
    store = Store.objects.get(subdomain="charlie")
    assert record.store == store
    assert (store.name, store.schema_name, store.subsidiary) == ("Charlie", "s_charlie", subsidiary)
    assert Domain.objects.get(tenant=store).domain == "charlie.localhost"
    assert schema_exists("s_charlie")
    assert channel_codes("s_charlie") == ["pdd", "tmall"]
    with schema_context("s_charlie"):
        assert StoreSettings.objects.count() == 1
    assert Membership.objects.get(store=store).user == owner
    assert Membership.objects.get(store=store).role == "admin"


def test_provisioning_record_is_marked_ready_with_its_timing(db):
    record = request_store(name="Charlie", subdomain="charlie", run_now=True)

    assert record.status == Provisioning.Status.READY
    assert record.finished_at is not None
    assert record.duration_ms is not None
    assert record.error == ""


def test_request_without_run_now_queues_the_provisioning_task(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = request_store(name="Charlie", subdomain="charlie")

    record.refresh_from_db()
    assert record.status == Provisioning.Status.READY
    assert schema_exists("s_charlie")


def test_provisioning_renames_a_spare_when_one_is_ready(db):
    assert refill_spares(target=1) == 1
    spare = SpareSchema.objects.get()

    create_store_now(name="Charlie", subdomain="charlie", channels=["jd"])

    assert not schema_exists(spare.schema_name)
    assert not SpareSchema.objects.exists()
    assert channel_codes("s_charlie") == ["jd"]


def test_provisioning_clones_the_template_when_no_spare_is_left(db, monkeypatch):
    cloned = []
    real_clone = provisioning._clone_template
    monkeypatch.setattr(provisioning, "_clone_template", lambda name: cloned.append(name) or real_clone(name))
    assert not SpareSchema.objects.exists()

    create_store_now(name="Charlie", subdomain="charlie")

    assert cloned == ["s_charlie"]
    assert schemas_needing_migration(["s_charlie"]) == []


def test_spare_whose_schema_vanished_is_forgotten_and_the_template_cloned(db):
    SpareSchema.objects.create(schema_name="spare_gone")

    create_store_now(name="Charlie", subdomain="charlie")

    assert schema_exists("s_charlie")
    assert not SpareSchema.objects.exists()


@pytest.mark.parametrize("subdomain", ["Admin!", "ab", "-x-", "x" * 41, "", "a--b", "1abc", "abc-"])
def test_malformed_subdomain_is_refused_as_invalid(db, subdomain):
    with pytest.raises(ValidationFailed) as caught:
        request_store(name="Store", subdomain=subdomain, run_now=True)

    assert caught.value.code == "subdomain_invalid"
    assert "subdomain" in caught.value.errors
    assert not Provisioning.objects.filter(name="Store").exists()


@pytest.mark.parametrize("subdomain", ["www", "api", "admin", "tpl-store", "spare-one"])
def test_reserved_subdomain_is_refused(db, subdomain):
    with pytest.raises(ValidationFailed) as caught:
        request_store(name="Store", subdomain=subdomain, run_now=True)

    assert caught.value.code == "subdomain_reserved"
    assert not Provisioning.objects.filter(name="Store").exists()


def test_taken_subdomain_is_a_409_conflict(store_a):
    with pytest.raises(Conflict) as caught:
        request_store(name="Another Alpha", subdomain="alpha", run_now=True)

    assert (caught.value.status, caught.value.code) == (409, "subdomain_taken")
    assert Store.objects.filter(subdomain="alpha").count() == 1
    assert not Provisioning.objects.filter(name="Another Alpha").exists()


def test_subdomain_already_being_provisioned_is_a_409_conflict(db):
    Provisioning.objects.create(name="First", subdomain="charlie")

    with pytest.raises(Conflict) as caught:
        request_store(name="Second", subdomain="charlie")

    assert caught.value.code == "subdomain_taken"


def test_unknown_channel_is_refused_before_anything_is_written(db):
    with pytest.raises(ValidationFailed) as caught:
        request_store(name="Charlie", subdomain="charlie", channels=["tmall", "myspace"], run_now=True)

    assert "channels" in caught.value.errors
    assert not Provisioning.objects.filter(subdomain="charlie").exists()


def test_store_without_a_name_is_refused(db):
    with pytest.raises(ValidationFailed) as caught:
        request_store(name="  ", subdomain="charlie", run_now=True)

    assert "name" in caught.value.errors


@pytest.fixture
def failing_setup():
    """A store_provisioned receiver that fails after the schema and rows were made."""

    def explode(sender, **kwargs):
        raise RuntimeError("setup exploded")

    store_provisioned.connect(explode, dispatch_uid="test-explode")
    yield
    store_provisioned.disconnect(dispatch_uid="test-explode")


def test_failure_in_store_setup_leaves_no_store_domain_or_schema(db, failing_setup):
    owner = UserFactory()

    record = request_store(name="Charlie", subdomain="charlie", owner=owner, run_now=True)

    assert nothing_left_of("charlie")
    assert not Membership.objects.filter(user=owner).exists()
    assert record.status == Provisioning.Status.FAILED
    assert "setup exploded" in record.error
    assert Provisioning.objects.get(pk=record.pk).status == Provisioning.Status.FAILED


def test_failure_in_the_schema_clone_leaves_nothing_behind(db, monkeypatch):
    def half_clone(name):
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {name}")
            cursor.execute(f"CREATE TABLE {name}.half_made (id int)")
        raise ProvisioningError("clone failed half way")

    monkeypatch.setattr(provisioning, "_clone_template", half_clone)

    record = request_store(name="Charlie", subdomain="charlie", run_now=True)

    assert nothing_left_of("charlie")
    assert record.status == Provisioning.Status.FAILED
    assert "clone failed half way" in record.error


def test_failed_subdomain_can_be_provisioned_again(db, monkeypatch):
    monkeypatch.setattr(provisioning, "_clone_template", lambda name: (_ for _ in ()).throw(ProvisioningError("x")))
    request_store(name="Charlie", subdomain="charlie", run_now=True)
    monkeypatch.undo()

    record = request_store(name="Charlie", subdomain="charlie", run_now=True)

    assert record.status == Provisioning.Status.READY


def test_create_store_now_raises_with_the_reason_on_failure(db, failing_setup):
    with pytest.raises(ProvisioningError, match="setup exploded"):
        create_store_now(name="Charlie", subdomain="charlie")


def test_provisioning_a_finished_record_again_changes_nothing(db):
    record = request_store(name="Charlie", subdomain="charlie", run_now=True)

    again = provisioning.provision_store(provisioning_id=record.pk)

    assert again.status == Provisioning.Status.READY
    assert Store.objects.filter(subdomain="charlie").count() == 1


# The triggers of a store's tables whose function lives in the store's own schema.
OWN_TRIGGERS = """
    SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE c.relnamespace = %(schema)s::regnamespace AND p.pronamespace = %(schema)s::regnamespace
      AND NOT t.tgisinternal
"""


def own_triggers(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(OWN_TRIGGERS, {"schema": schema})
        return {row[0] for row in cursor.fetchall()}


def declared_triggers() -> set[str]:
    import pgtrigger

    return {trigger.get_pgid(model) for model, trigger in pgtrigger.registered()}


def marks_its_own_journal(schema: str) -> bool:
    """An order written in ``schema`` is marked in that schema's sales journal and no other."""
    from datetime import UTC

    from tests.factories.sales import make_customer, make_order, make_product

    owner = UserFactory()
    with schema_context(schema):
        product = make_product()
        order = make_order(customer=make_customer(owner=owner), owner=owner, lines=[(product, 1, "100.00")])
    day = order.signed_at.astimezone(UTC).date()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {schema}.sales_changedday WHERE day = %s", [day])
        own = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {settings.TENANT_TEMPLATE_SCHEMA}.sales_changedday")
        template = cursor.fetchone()[0]
    return own == 1 and template == 0


def test_a_store_cloned_from_the_template_has_every_declared_trigger_writing_its_own_journals(db):
    create_store_now(name="Charlie", subdomain="charlie")

    assert declared_triggers() <= own_triggers("s_charlie")
    assert own_triggers(settings.TENANT_TEMPLATE_SCHEMA) == own_triggers("s_charlie")
    assert marks_its_own_journal("s_charlie")


def test_a_store_made_from_a_spare_has_every_declared_trigger_writing_its_own_journals(db):
    assert refill_spares(target=1) == 1

    create_store_now(name="Charlie", subdomain="charlie")

    assert not SpareSchema.objects.exists()
    assert declared_triggers() <= own_triggers("s_charlie")
    assert marks_its_own_journal("s_charlie")


def test_a_provisioning_left_waiting_by_a_dead_worker_is_sent_again_once(db, django_capture_on_commit_callbacks):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from shared_apps.platform.jobs import get_job, run_global

    with django_capture_on_commit_callbacks(execute=False):  # the task never reached a worker
        record = request_store(name="Charlie", subdomain="charlie")
    job = get_job("tenants.redispatch_stale_provisioning")
    soon = timezone.now() + timedelta(minutes=1)
    later = timezone.now() + timedelta(minutes=11)

    assert run_global(job, at=soon, propagate=True).result == {"redispatched": 0}
    with time_machine.travel(later, tick=False):
        first = run_global(job, at=later, propagate=True).result
        second = run_global(job, at=later, propagate=True).result

    record.refresh_from_db()
    assert (first, second) == ({"redispatched": 1}, {"redispatched": 0})
    assert record.status == "ready"
    assert Store.objects.filter(subdomain="charlie").count() == 1
