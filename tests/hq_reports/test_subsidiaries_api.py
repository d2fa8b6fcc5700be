"""/api/v1/hq/subsidiaries on the HQ host."""

from __future__ import annotations

import pytest

from tenants.models import Store, Subsidiary
from tests.factories import SubsidiaryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/hq/subsidiaries"


def test_hq_executive_lists_subsidiaries_with_their_store_count(api, users, store_a, store_b):
    east = SubsidiaryFactory(code="east", name="East")
    SubsidiaryFactory(code="west", name="West")
    Store.objects.filter(pk__in=[store_a.pk, store_b.pk]).update(subsidiary=east)

    response = api(users.hq_exec).get(URL)

    assert response.status_code == 200
    counts = {row["code"]: row["store_count"] for row in response.json()["results"]}
    assert counts == {"east": 2, "west": 0}


def test_hq_admin_adds_a_subsidiary(api, users):
    response = api(users.hq_admin).post(URL, {"name": "华东实业", "code": "east-china"}, format="json")

    assert response.status_code == 201
    assert response.json()["store_count"] == 0
    assert Subsidiary.objects.get(code="east-china").name == "华东实业"


@pytest.mark.parametrize("payload", [{"name": "Other", "code": "east"}, {"name": "east", "code": "other"}])
def test_a_duplicate_subsidiary_is_a_conflict(api, users, payload):
    SubsidiaryFactory(code="east", name="East")

    response = api(users.hq_admin).post(URL, payload, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_subsidiary"
    assert Subsidiary.objects.count() == 1


def test_a_malformed_code_is_a_validation_error(api, users):
    response = api(users.hq_admin).post(URL, {"name": "Bad", "code": "Bad Code!"}, format="json")

    assert response.status_code == 400
    assert "code" in response.json()["errors"]
    assert not Subsidiary.objects.exists()


def test_hq_executive_cannot_add_a_subsidiary(api, users):
    response = api(users.hq_exec).post(URL, {"name": "North", "code": "north"}, format="json")

    assert response.status_code == 403
    assert not Subsidiary.objects.exists()


def test_store_users_cannot_read_subsidiaries(api, users):
    assert api(users.a_admin).get(URL).status_code == 403
