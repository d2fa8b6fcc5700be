"""Eight stores served at once: 8 threads (each with its own database connection), one store each,
all sending API requests at the same time; every answer holds its own store's customer and nothing
of another's.

The store is chosen by the session's ``search_path``; this is the test that fails when a pooler
(or anything else) lets one store's session state reach another store's requests. ``make
test-pooled`` runs it through PgBouncer in session mode with 2,000 requests
(``CROSS_STORE_REQUESTS``); the everyday suite sends 400.
"""

from __future__ import annotations

import os
import threading
from collections import Counter

from django.db import connection, connections
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from shared_apps.accounts.models import ApiToken, Membership, User
from shared_apps.accounts.services import token_create
from tenants.models import Domain, Provisioning, Store
from tenants.provisioning import create_store_now
from tests.conftest import PASSWORD, STORE_A, STORE_B, host_for, user_email
from tests.factories.sales import make_customer

THREADS = 8
REQUESTS = int(os.environ.get("CROSS_STORE_REQUESTS", "400"))
EXTRA = [f"crowd-{n}" for n in range(1, THREADS - 1)]  # with alpha and bravo: eight stores


def _extra_stores() -> list[Store]:
    stores = []
    for subdomain in EXTRA:
        owner = User.objects.create_user(email=f"owner@{subdomain}.example.com", password=PASSWORD, name=subdomain)
        stores.append(create_store_now(owner=owner, name=subdomain.title(), subdomain=subdomain, channels=["tmall"]))
    return stores


def _remove_extra_stores() -> None:
    stores = Store.objects.filter(subdomain__in=EXTRA)
    schemas = list(stores.values_list("schema_name", flat=True))
    owners = User.objects.filter(email__in=[f"owner@{s}.example.com" for s in EXTRA])
    ApiToken.objects.filter(user__in=owners).delete()
    Membership.objects.filter(store__in=stores).delete()
    Domain.objects.filter(tenant__in=stores).delete()
    Provisioning.objects.filter(subdomain__in=EXTRA).delete()
    stores.delete()
    owners.delete()
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _serve(world: list[tuple[Store, str, str]]) -> tuple[Counter, list[str]]:
    """Each thread asks its store's customer list REQUESTS / THREADS times; (answers by store, faults)."""
    barrier = threading.Barrier(len(world))
    seen: Counter = Counter()
    faults: list[str] = []
    lock = threading.Lock()

    def worker(store: Store, token: str, marker: str, count: int) -> None:
        client = APIClient(HTTP_HOST=host_for(store))
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        mine = 0
        try:
            barrier.wait(timeout=60)
            for n in range(count):
                response = client.get("/api/v1/customers", {"page_size": 50})
                names = (
                    [row["name"] for row in response.json().get("results", [])] if response.status_code == 200 else []
                )
                if names != [marker]:
                    with lock:
                        faults.append(f"{store.subdomain} request {n}: {response.status_code} {names}")
                    continue
                mine += 1
        except Exception as exc:  # noqa: BLE001 - reported as a fault of this store
            with lock:
                faults.append(f"{store.subdomain}: {exc!r}")
        finally:
            with lock:
                seen[store.subdomain] += mine
            connections.close_all()

    share, rest = divmod(REQUESTS, len(world))
    threads = [
        threading.Thread(target=worker, args=(store, token, marker, share + (1 if i < rest else 0)))
        for i, (store, token, marker) in enumerate(world)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return seen, faults


def test_eight_threads_on_eight_stores_each_see_only_their_own_store(committed_db):
    ApiToken.objects.filter(name="crowd").delete()
    _remove_extra_stores()  # left by an interrupted run
    try:
        stores = [
            Store.objects.get(subdomain=STORE_A["subdomain"]),
            Store.objects.get(subdomain=STORE_B["subdomain"]),
            *_extra_stores(),
        ]
        admins = {
            STORE_A["subdomain"]: User.objects.get(email=user_email("a_admin")),
            STORE_B["subdomain"]: User.objects.get(email=user_email("b_admin")),
            **{s: User.objects.get(email=f"owner@{s}.example.com") for s in EXTRA},
        }
        world = []
        for store in stores:
            admin = admins[store.subdomain]
            marker = f"only-in-{store.subdomain}"
            with tenant_context(store):
                make_customer(name=marker, owner=admin)
            world.append((store, token_create(user=admin, name="crowd")[1], marker))
        connection.set_schema_to_public()

        seen, faults = _serve(world)

        assert faults == []
        assert sum(seen.values()) == REQUESTS
        assert sorted(seen) == sorted(store.subdomain for store in stores)
    finally:
        connection.set_schema_to_public()
        ApiToken.objects.filter(name="crowd").delete()
        _remove_extra_stores()
