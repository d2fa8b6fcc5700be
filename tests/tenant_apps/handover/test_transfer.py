"""Handover: customers, open quotations, orders and leads to a person or to the pool, in one
transaction, recorded on each customer and notified; the refusals of api.md; the background job."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tenant_apps.customers.models import Customer
from tenant_apps.handover import services
from tenant_apps.handover.models import CustomerTransfer, Handover
from tenant_apps.leads.models import Lead
from tenant_apps.notifications.models import Notification
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.pool.models import Release
from tenant_apps.sales.models import Order, Quotation
from tests.factories.sales import make_order, make_product
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/transfer"


def _quotation(customer, owner, status):
    return Quotation.objects.create(
        number=f"Q-{customer.pk}-{status}",
        customer=customer,
        owner_id=owner.pk,
        status=status,
        created_by_id=owner.pk,
        valid_until=timezone.localdate(),
    )


def _order(customer, owner, status, n):
    return make_order(customer=customer, owner=owner, status=status, lines=[(make_product(), 1, "100.00")])


@pytest.fixture
def book(store_a, users, in_store):
    """Three customers of a_sales with open and closed sales, one customer of a_sales2."""
    with in_store(store_a):
        mine = [make_customer(owner=users.a_sales) for _ in range(3)]
        other = make_customer(owner=users.a_sales2)
        _quotation(mine[0], users.a_sales, "draft")
        _quotation(mine[0], users.a_sales, "accepted")
        _order(mine[1], users.a_sales, "pending_delivery", 1)
        _order(mine[1], users.a_sales, "completed", 2)
        Lead.objects.create(wechat_id="lead-1", received_at=timezone.now(), owner_id=users.a_sales.pk, customer=mine[2])
    return mine, other


def test_all_of_a_persons_customers_go_to_another_person(api, store_a, users, in_store, book):
    mine, _other = book
    body = {"from_owner": users.a_sales.pk, "to_owner": users.a_sales2.pk, "reason": "Left the company"}
    response = api(users.a_supervisor, store_a).post(URL, body, format="json")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["transferred"] == 3
    assert {k: result["handover"][k] for k in ("quotations", "orders", "leads", "status")} == {
        "quotations": 1,
        "orders": 1,
        "leads": 1,
        "status": "done",
    }
    with in_store(store_a):
        assert set(Customer.objects.filter(pk__in=[c.pk for c in mine]).values_list("owner_id", flat=True)) == {
            users.a_sales2.pk
        }
        assert dict(Quotation.objects.values_list("status", "owner_id")) == {
            "draft": users.a_sales2.pk,
            "accepted": users.a_sales.pk,
        }
        assert dict(Order.objects.values_list("status", "owner_id")) == {
            "pending_delivery": users.a_sales2.pk,
            "completed": users.a_sales.pk,
        }
        assert Lead.objects.get().owner_id == users.a_sales2.pk
        assert CustomerTransfer.objects.filter(from_owner_id=users.a_sales.pk).count() == 3
        told = set(Notification.objects.filter(kind="handover.done").values_list("recipient_id", flat=True))
        # Both people; their supervisor made the handover and is not told of their own act.
        assert told == {users.a_sales.pk, users.a_sales2.pk}
        events = OutboxEvent.objects.filter(topic="customer", entity_id__in=[c.pk for c in mine])
        assert events.count() == 3
    page = api(users.a_sales2, store_a).get(f"/api/v1/customers/{mine[0].pk}").json()
    assert page["summary"]["panels"]["handover"]["transfers"][0]["reason"] == "Left the company"


def test_chosen_customers_go_to_the_pool(api, store_a, users, in_store, book):
    mine, _other = book
    body = {"customers": [mine[0].pk, mine[1].pk], "to_owner": None, "reason": "Reorganised"}
    response = api(users.a_admin, store_a).post(URL, body, format="json")
    assert response.status_code == 200 and response.json()["transferred"] == 2
    with in_store(store_a):
        assert Customer.objects.filter(pk__in=[mine[0].pk, mine[1].pk], owner__isnull=True).count() == 2
        assert Release.objects.filter(customer__in=mine[:2], former_owner_id=users.a_sales.pk).count() == 2
        # Open sales go to the person who made the handover.
        assert Quotation.objects.get(status="draft").owner_id == users.a_admin.pk
        assert Customer.objects.get(pk=mine[2].pk).owner_id == users.a_sales.pk
        told = set(Notification.objects.filter(kind="handover.done").values_list("recipient_id", flat=True))
        assert told == {users.a_sales.pk, users.a_supervisor.pk}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from_owner": "me", "to_owner": None}, "from_owner"),
        ({"to_owner": None}, "customers"),
        ({"customers": [], "to_owner": None}, "customers"),
        ({"customers": [1], "from_owner": 1, "to_owner": None}, "customers"),
        ({"customers": [1]}, "to_owner"),
        ({"customers": [1], "to_owner": None, "reason": "x" * 301}, "reason"),
    ],
)
def test_bad_handovers_are_refused_and_change_nothing(api, store_a, users, in_store, book, body, field):
    response = api(users.a_admin, store_a).post(URL, body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    with in_store(store_a):
        assert not Handover.objects.exists()


def test_to_a_member_of_another_store_or_an_inactive_one_is_400(api, store_a, users, in_store, book):
    mine, _other = book
    client = api(users.a_admin, store_a)
    response = client.post(URL, {"customers": [mine[0].pk], "to_owner": users.b_sales.pk}, format="json")
    assert response.status_code == 400 and "to_owner" in response.json()["errors"]
    from shared_apps.accounts.models import Membership

    Membership.objects.filter(user=users.a_sales2, store=store_a).update(is_active=False)
    response = client.post(URL, {"customers": [mine[0].pk], "to_owner": users.a_sales2.pk}, format="json")
    assert response.status_code == 400 and "to_owner" in response.json()["errors"]
    with in_store(store_a):
        assert Customer.objects.get(pk=mine[0].pk).owner_id == users.a_sales.pk
        assert not Handover.objects.exists()


def test_a_customer_the_caller_cannot_see_is_404(api, store_a, store_b, users, in_store, book):
    mine, _other = book
    with in_store(store_b):
        elsewhere = make_customer(owner=users.b_sales)
    client = api(users.a_admin, store_a)
    response = client.post(URL, {"customers": [mine[0].pk, 10**12], "to_owner": users.a_sales2.pk}, format="json")
    assert response.status_code == 404
    assert client.post(URL, {"customers": [elsewhere.pk + 10**9], "to_owner": None}, format="json").status_code == 404
    with in_store(store_a):
        assert Customer.objects.get(pk=mine[0].pk).owner_id == users.a_sales.pk


def test_salespeople_cannot_hand_over(api, store_a, users, book):
    mine, _other = book
    body = {"customers": [mine[0].pk], "to_owner": users.a_sales2.pk}
    assert api(users.a_sales, store_a).post(URL, body, format="json").status_code == 403


def test_a_large_handover_runs_as_a_job_and_the_request_does_not_wait(
    api, store_a, users, in_store, book, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SYNC_LIMIT", 2)
    sent = []
    monkeypatch.setattr(services, "_dispatch", lambda schema, handover_id: sent.append(handover_id))
    body = {"from_owner": users.a_sales.pk, "to_owner": users.a_sales2.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(users.a_admin, store_a).post(URL, body, format="json")
    assert response.status_code == 202
    job = response.json()["handover"]
    assert (response.json()["transferred"], job["status"], job["total"]) == (0, "pending", 3)
    assert sent == [job["id"]]
    with in_store(store_a):
        assert Customer.objects.filter(owner_id=users.a_sales.pk).count() == 3
        done = services.handover_run(handover_id=job["id"])
        assert (done.status, done.customers, done.processed) == ("done", 3, 3)
        assert services.handover_run(handover_id=job["id"]).customers == 3  # a second run does nothing
        assert Customer.objects.filter(owner_id=users.a_sales2.pk).count() == 4
    followed = api(users.a_admin, store_a).get(job["url"]).json()
    assert (followed["status"], followed["progress"]) == ("done", 1.0)


def test_the_team_page_offers_the_handover(page_client, store_a, users, book):
    client = page_client(users.a_admin, store_a)
    page = client.get("/team/")
    assert f'data-testid="hand-over-{users.a_sales.pk}"' in page.content.decode()
    form = client.get(f"/handover/new/?from_owner={users.a_sales.pk}")
    assert form.status_code == 200 and 'data-testid="owned"' in form.content.decode()
    response = client.post("/handover/new/", {"from_owner": users.a_sales.pk, "to_owner": users.a_sales2.pk})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert page_client(users.a_sales, store_a).get("/handover/new/").status_code == 403


def test_a_handover_left_waiting_is_sent_again(store_a, users, in_store, monkeypatch):
    from datetime import timedelta

    from shared_apps.platform.jobs import get_job, run_in_store

    sent = []
    monkeypatch.setattr(services, "_dispatch", lambda schema, handover_id: sent.append(handover_id))
    with in_store(store_a):
        waiting = Handover.objects.create(from_owner_id=users.a_sales.pk, to_owner_id=None, by_id=users.a_admin.pk)
        done = Handover.objects.create(from_owner_id=users.a_sales.pk, by_id=users.a_admin.pk, status="done")
    soon = waiting.created_at + timedelta(minutes=5)
    assert run_in_store(get_job("handover.redispatch_stale"), store=store_a, at=soon, propagate=True).result == {
        "redispatched": 0
    }
    later = waiting.created_at + services.STALE_AFTER
    run = run_in_store(get_job("handover.redispatch_stale"), store=store_a, at=later, propagate=True)
    assert run.result == {"redispatched": 1} and sent == [waiting.pk]
    assert done.pk not in sent
