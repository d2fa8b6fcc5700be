"""Two provisionings of one subdomain at the same moment, on two real connections: one store."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import schema_exists

from tenants.models import Domain, Provisioning, SpareSchema, Store
from tenants.provisioning import drop_spares, refill_spares, request_store
from tests.races import at_once

SUBDOMAIN = "race-store"
SCHEMA = "s_race_store"


def remove_everything_of(subdomain: str, schema: str) -> None:
    """These rows were committed (no test transaction), so they are removed by hand."""
    from shared_apps.accounts.models import Membership

    stores = Store.objects.filter(subdomain=subdomain)
    Membership.objects.filter(store__in=stores).delete()
    Domain.objects.filter(tenant__in=stores).delete()
    Provisioning.objects.filter(subdomain=subdomain).delete()
    stores.delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def provision_concurrently(*requests: tuple[str, str]) -> list[str]:
    """Run request_store for each (name, subdomain) in its own thread and connection, all at once:
    each one's status, or the code of its refusal."""

    def provision(name: str, subdomain: str):
        return lambda: str(request_store(name=name, subdomain=subdomain, run_now=True).status)

    return at_once(None, *(provision(name, subdomain) for name, subdomain in requests))


def test_two_concurrent_provisionings_of_one_subdomain_make_exactly_one_store(committed_db):
    try:
        outcomes = provision_concurrently(("Racer 1", SUBDOMAIN), ("Racer 2", SUBDOMAIN))

        assert Store.objects.filter(subdomain=SUBDOMAIN).count() == 1
        assert Domain.objects.filter(domain__startswith=f"{SUBDOMAIN}.").count() == 1
        assert schema_exists(SCHEMA)
        assert outcomes.count("ready") == 1
        assert set(outcomes) - {"ready"} <= {"subdomain_taken", "failed"}
    finally:
        remove_everything_of(SUBDOMAIN, SCHEMA)
    assert not Store.objects.filter(subdomain=SUBDOMAIN).exists()


def test_two_stores_provisioned_at_once_with_one_spare_both_succeed(committed_db):
    refill_spares(target=1)
    spare = SpareSchema.objects.get().schema_name
    try:
        outcomes = provision_concurrently(("Racer 1", "race-one"), ("Racer 2", "race-two"))

        assert outcomes == ["ready", "ready"]
        assert schema_exists("s_race_one")
        assert schema_exists("s_race_two")
        assert not schema_exists(spare)
        assert not SpareSchema.objects.exists()
    finally:
        remove_everything_of("race-one", "s_race_one")
        remove_everything_of("race-two", "s_race_two")
        drop_spares()
