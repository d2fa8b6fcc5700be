"""Who sees which customer (product.md section 2): list, detail, follow-ups, merge."""

from __future__ import annotations

import pytest

from shared_apps.accounts.models import Membership
from tests.factories.accounts import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers"


def _listed_ids(client) -> set[int]:
    response = client.get(URL, {"page_size": 200})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def world(users, store_a, make_customer):
    """A customer of each salesperson, one of the supervisor, one in the pool, one of an outsider."""
    outsider = MembershipFactory(store=store_a, role="salesperson").user
    return {
        "a_sales": make_customer(store_a, owner=users.a_sales, name="A1 的客户"),
        "a_sales2": make_customer(store_a, owner=users.a_sales2, name="A2 的客户"),
        "supervisor": make_customer(store_a, owner=users.a_supervisor, name="主管的客户"),
        "pool": make_customer(store_a, owner=None, name="公海客户"),
        "outsider": make_customer(store_a, owner=outsider, name="别组的客户"),
    }


def _ids(world, *keys) -> set[int]:
    return {world[key].pk for key in keys}


def test_salesperson_lists_own_customers_and_the_pool(api, users, store_a, world):
    assert _listed_ids(api(users.a_sales, store_a)) == _ids(world, "a_sales", "pool")


def test_salesperson_gets_404_for_another_salespersons_customer(api, users, store_a, world):
    response = api(users.a_sales, store_a).get(f"{URL}/{world['a_sales2'].pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_salesperson_gets_404_for_follow_ups_of_another_salespersons_customer(api, users, store_a, world):
    client = api(users.a_sales, store_a)
    path = f"{URL}/{world['a_sales2'].pk}/follow-ups"

    assert client.get(path).status_code == 404
    assert client.post(path, {"kind": "call", "content": "hi"}, format="json").status_code == 404


def test_salesperson_gets_404_editing_another_salespersons_customer(api, users, store_a, world):
    response = api(users.a_sales, store_a).patch(f"{URL}/{world['a_sales2'].pk}", {"name": "x"}, format="json")

    assert response.status_code == 404


def test_salesperson_search_does_not_find_another_salespersons_customer(api, users, store_a, world):
    response = api(users.a_sales, store_a).get(URL, {"q": "A2"})

    assert response.json()["results"] == []


def test_salesperson_sees_a_pool_customer(api, users, store_a, world):
    response = api(users.a_sales, store_a).get(f"{URL}/{world['pool'].pk}")

    assert response.status_code == 200
    assert response.json()["in_pool"] is True


def test_supervisor_sees_the_team_the_pool_and_their_own(api, users, store_a, world):
    assert _listed_ids(api(users.a_supervisor, store_a)) == _ids(world, "a_sales", "a_sales2", "supervisor", "pool")


def test_supervisor_gets_404_outside_the_team(api, users, store_a, world):
    assert api(users.a_supervisor, store_a).get(f"{URL}/{world['outsider'].pk}").status_code == 404


def test_supervisor_of_a_store_without_teams_sees_everything(api, users, store_a, world):
    Membership.objects.filter(store=store_a).update(supervisor=None)

    assert _listed_ids(api(users.a_supervisor, store_a)) == _ids(world, *world)


@pytest.mark.parametrize("key", ["a_admin", "a_finance", "a_warehouse"])
def test_store_wide_roles_see_every_customer(api, users, store_a, world, key):
    assert _listed_ids(api(users[key], store_a)) == _ids(world, *world)


def test_finance_reads_a_customer_but_cannot_record_a_follow_up(api, users, store_a, world):
    client = api(users.a_finance, store_a)
    path = f"{URL}/{world['a_sales'].pk}"

    assert client.get(path).status_code == 200
    assert client.post(f"{path}/follow-ups", {"kind": "call", "content": "x"}, format="json").status_code == 403


def test_salesperson_cannot_merge(api, users, store_a, make_customer):
    first = make_customer(store_a, owner=users.a_sales)
    second = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_sales, store_a).post(
        f"{URL}/merge", {"survivor": first.pk, "merged": second.pk}, format="json"
    )

    assert response.status_code == 403


def test_supervisor_merging_a_customer_outside_the_team_gets_404(api, users, store_a, world):
    response = api(users.a_supervisor, store_a).post(
        f"{URL}/merge", {"survivor": world["a_sales"].pk, "merged": world["outsider"].pk}, format="json"
    )

    assert response.status_code == 404


def test_hq_executive_reads_customers_but_cannot_create(api, users, store_a, world):
    client = api(users.hq_exec, store_a)

    assert _listed_ids(client) == _ids(world, *world)
    assert client.post(URL, {"name": "HQ"}, format="json").status_code in (403, 423)


def test_customers_of_another_store_are_not_reachable(api, users, store_a, store_b, make_customer):
    customer_b = make_customer(store_b, owner=users.b_sales)

    assert api(users.a_admin, store_a).get(f"{URL}/{customer_b.pk}").status_code == 404
