"""Two provisionings of one subdomain at the same moment, on two real connections: one store."""

from __future__ import annotations

import threading

from django.db import connection, connections
from django_tenants.utils import schema_exists

from shared_apps.platform.errors import Conflict
from tenants.models import Domain, Provisioning, SpareSchema, Store
from tenants.provisioning import drop_spares, refill_spares, request_store

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
    """Run request_store for each (name, subdomain) in its own thread and connection, all at once."""
    barrier = threading.Barrier(len(requests))
    outcomes: list[str] = []
    lock = threading.Lock()

    def provision(name: str, subdomain: str) -> None:
        try:
            barrier.wait(timeout=10)
            try:
                outcome = str(request_store(name=name, subdomain=subdomain, run_now=True).status)
            except Conflict as exc:
                outcome = str(exc.code)
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=provision, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


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
