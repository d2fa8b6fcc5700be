"""The state graph of a case: every legal move by the right role, every other move refused with
409 ``invalid_transition`` and nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from shared_apps.platform.errors import InvalidTransition
from tenant_apps.aftersales import services
from tenant_apps.aftersales.models import Case, CaseEvent
from tests.factories import access_of
from tests.tenant_apps.aftersales.helpers import items_of, shipped_order

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in Case.Status]
ACTIONS = ["approve", "reject", "process", "return_received", "complete", "cancel"]
# (status, returned goods?) -> actions the state allows for a return without money
LEGAL = {
    ("pending_approval", False): {"approve", "reject", "cancel"},
    ("approved", False): {"process", "cancel"},
    ("processing", False): {"return_received"},
    ("processing", True): {"complete"},
}


def _case(order, applicant, *, status: str, returned: bool = False, type: str = "return_refund") -> Case:
    case = Case.objects.create(
        order=order,
        type=type,
        status=status,
        reason="Broken",
        amount=Decimal("0.00") if type in Case.MONEY_TYPES else None,
        applicant=applicant,
        created_at=timezone.now(),
        return_received_at=timezone.now() if returned else None,
    )
    line = order.lines.first()
    case.items.create(order_line=line, quantity=1)
    return case


def _run(action: str, case: Case, store, users):
    admin = access_of(users.a_admin, store)
    calls = {
        "approve": lambda: services.case_approve(case_id=case.pk, access=admin),
        "reject": lambda: services.case_reject(case_id=case.pk, access=admin, comment="No"),
        "process": lambda: services.case_process(case_id=case.pk, access=admin),
        "return_received": lambda: services.case_return_received(case_id=case.pk, access=admin),
        "complete": lambda: services.case_complete(case_id=case.pk, access=admin),
        "cancel": lambda: services.case_cancel(case_id=case.pk, access=access_of(users.a_sales, store)),
    }
    return calls[action]()


@pytest.mark.parametrize("returned", [False, True])
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_move_outside_the_graph_is_refused(a, users, status, action, returned):
    order = shipped_order(users.a_sales)
    case = _case(order, users.a_sales, status=status, returned=returned)
    legal = action in LEGAL.get((status, returned and status == "processing"), set())
    if legal:
        result = _run(action, case, a, users)
        assert result.status != status or action == "return_received"
        return
    events = CaseEvent.objects.count()
    with pytest.raises(InvalidTransition):
        _run(action, case, a, users)
    case.refresh_from_db()
    assert case.status == status
    assert CaseEvent.objects.count() == events


@pytest.mark.parametrize(
    ("action", "to"),
    [("approve", "approved"), ("reject", "rejected"), ("cancel", "cancelled")],
)
def test_pending_case_moves_to(a, users, action, to):
    case = _case(shipped_order(users.a_sales), users.a_sales, status="pending_approval")
    assert _run(action, case, a, users).status == to
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.from_status, event.to_status) == ("pending_approval", to)


def test_refund_only_being_processed_cannot_be_completed_by_hand(a, users):
    case = _case(shipped_order(users.a_sales), users.a_sales, status="processing", type="refund_only")
    Case.objects.filter(pk=case.pk).update(amount=Decimal("10.00"))
    for action in ("complete", "return_received", "cancel", "process"):
        with pytest.raises(InvalidTransition):
            _run(action, case, a, users)


def test_exchange_being_processed_cannot_be_completed_by_hand(a, users):
    case = _case(shipped_order(users.a_sales), users.a_sales, status="processing", type="exchange")
    with pytest.raises(InvalidTransition):
        _run("complete", case, a, users)


def _apply(api, store, users, order, **body):
    body = {"order": order.pk, "type": "exchange", "reason": "Wrong size", "items": items_of(order, 1), **body}
    response = api(users.a_sales, store).post("/api/v1/after-sales", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.mark.parametrize("user", ["a_sales", "a_finance", "a_warehouse"])
def test_roles_without_approval_cannot_decide(api, store_a, users, in_store, user):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    case_id = _apply(api, store_a, users, order)
    for step, body in (("approve", {}), ("reject", {"comment": "no"})):
        response = api(users[user], store_a).post(f"/api/v1/after-sales/{case_id}/{step}", body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    with in_store(store_a):
        assert Case.objects.get(pk=case_id).status == "pending_approval"


def test_supervisor_cannot_decide_their_own_application(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_supervisor)
    body = {"order": order.pk, "type": "exchange", "reason": "x", "items": items_of(order, 1)}
    case_id = api(users.a_supervisor, store_a).post("/api/v1/after-sales", body, format="json").json()["id"]
    response = api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case_id}/approve")
    assert (response.status_code, response.json()["code"]) == (403, "four_eyes_required")
    assert "own application" in response.json()["detail"]


def test_salesperson_cannot_process(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    case_id = _apply(api, store_a, users, order)
    assert api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case_id}/approve").status_code == 200
    response = api(users.a_sales, store_a).post(f"/api/v1/after-sales/{case_id}/process")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    with in_store(store_a):
        assert Case.objects.get(pk=case_id).status == "approved"


def test_approving_a_decided_case_is_409_invalid_transition(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    case_id = _apply(api, store_a, users, order)
    first = api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case_id}/reject", {"comment": "No"})
    assert first.status_code == 200
    again = api(users.a_admin, store_a).post(f"/api/v1/after-sales/{case_id}/approve", {"comment": "Yes"})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    with in_store(store_a):
        case = Case.objects.get(pk=case_id)
        assert (case.status, case.decided_by_id, case.decision_comment) == ("rejected", users.a_supervisor.pk, "No")


def test_reject_needs_a_comment(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    case_id = _apply(api, store_a, users, order)
    response = api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case_id}/reject", {"comment": " "})
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]


def test_finance_cannot_cancel_someone_elses_case(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    case_id = _apply(api, store_a, users, order)
    response = api(users.a_finance, store_a).post(f"/api/v1/after-sales/{case_id}/cancel")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_supervisor_may_cancel_an_approved_case(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    case_id = _apply(api, store_a, users, order)
    api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case_id}/approve")
    response = api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_another_salesperson_does_not_see_the_case(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    case_id = _apply(api, store_a, users, order)
    assert api(users.a_sales2, store_a).get(f"/api/v1/after-sales/{case_id}").status_code == 404
    assert api(users.a_sales2, store_a).post(f"/api/v1/after-sales/{case_id}/cancel").status_code == 404
