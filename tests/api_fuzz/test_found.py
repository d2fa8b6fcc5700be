"""What the API fuzzing found, each kept as a plain test: the answers below match their OpenAPI
document (the document was wrong: it said a string where the API answers null or "")."""

from __future__ import annotations

from tests.api_fuzz.fuzzing import APP, CHECKS, HQ, STORE, token_for
from tests.conftest import host_for


def _checked(schema, method: str, path: str, *, user, store=None, path_parameters=None):
    host = host_for(store)
    case = schema[path][method].Case(path_parameters=path_parameters or {})
    response = case.call(app=APP, base_url=f"http://{host}", headers={"Authorization": f"Bearer {token_for(user)}"})
    case.validate_response(response, checks=CHECKS)
    return response


def test_me_of_a_store_member_on_the_hq_host_has_a_null_hq_role(users):
    response = _checked(HQ, "GET", "/api/v1/me", user=users.a_admin)

    assert response.json()["hq_role"] is None


def test_company_policies_never_changed_have_a_null_updated_at(users):
    response = _checked(HQ, "GET", "/api/v1/hq/policies", user=users.hq_exec)

    assert response.json()["updated_at"] is None


def test_a_customer_without_a_purchase_intention_matches_the_document(users, store_a, in_store):
    from tests.factories.sales import make_customer

    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)

    listed = _checked(STORE, "GET", "/api/v1/customers", user=users.a_sales, store=store_a)
    one = _checked(
        STORE, "GET", "/api/v1/customers/{id}", user=users.a_sales, store=store_a, path_parameters={"id": customer.pk}
    )

    assert listed.json()["results"][0]["intention_level"] == ""
    assert one.json()["intention_level"] == ""
