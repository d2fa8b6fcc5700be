"""The store's event log: every public event type is written by its service in the transaction of
the change (rolled back with it), carrying the object as the REST API shows it; cursors, the
(txid, id) read order and retention."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from tenant_apps.aftersales import services as aftersales
from tenant_apps.customers import services as customer_services
from tenant_apps.finance import services as finance
from tenant_apps.leads import services as lead_services
from tenant_apps.outbox import selectors, services
from tenant_apps.outbox.events import EVENT_TYPES
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.pool import services as pool_services
from tenant_apps.sales import services as sales
from tenant_apps.sales.inputs import LineInput
from tests.factories import access_of
from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def _order(owner, *, status="pending_outbound", payment_mode="credit", collected="0.00"):
    customer = make_customer(owner=owner)
    product = make_product(list_price="100.00")
    return make_order(
        customer=customer,
        owner=owner,
        lines=[(product, 2, Decimal("100.00"))],
        status=status,
        payment_mode=payment_mode,
        collected=collected,
    )


# Each scenario: (prepare(store, users) -> context, act(store, users, context) -> (entity id, API path)).
def _customer_created(store, users):
    return None, lambda: _path(
        customer_services.customer_create(
            data={"name": "张三", "mobile": "13800138011"}, access=access_of(users.a_sales)
        ),
        "customers",
    )


def _customer_updated(store, users):
    customer = make_customer(owner=users.a_sales, province="浙江")
    return customer, lambda: _path(
        customer_services.customer_update(
            customer=customer, data={"province": "广东"}, access=access_of(users.a_admin)
        ),
        "customers",
    )


def _customer_released(store, users):
    customer = make_customer(owner=users.a_sales)

    def act():
        pool_services.release_customer(
            customer_id=customer.pk, access=access_of(users.a_sales, store), reason="not now"
        )
        return customer.pk, f"/api/v1/customers/{customer.pk}"

    return customer, act


def _customer_claimed(store, users):
    customer = make_customer(owner=users.a_sales)
    pool_services.release_customer(customer_id=customer.pk, access=access_of(users.a_sales, store), reason="not now")

    def act():
        claim = pool_services.claim_create(
            customer_id=customer.pk, access=access_of(users.a_sales2, store), reason="mine"
        )
        pool_services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor, store))
        return customer.pk, f"/api/v1/customers/{customer.pk}"

    return customer, act


def _customer_merged(store, users):
    keeper, gone = make_customer(owner=users.a_sales), make_customer(owner=users.a_sales)

    def act():
        customer_services.customer_merge(survivor=keeper, merged=gone, access=access_of(users.a_admin))
        return keeper.pk, f"/api/v1/customers/{keeper.pk}"

    return keeper, act


def _lead_created(store, users):
    return None, lambda: _path(
        lead_services.lead_create(
            data={"name": "王五", "wechat_id": "wx-event"}, access=access_of(users.a_admin, store)
        ),
        "leads",
    )


def _order_created(store, users):
    customer = make_customer(owner=users.a_sales)
    product = make_product(list_price="100.00")
    data = {
        "customer_id": customer.pk,
        "lines": [LineInput(product.pk, 3, Decimal("95.50"))],
        "payment_mode": "prepaid",
    }
    return None, lambda: _path(sales.order_create(access=access_of(users.a_sales, store), **data), "orders")


def _order_status_changed(store, users):
    order = _order(users.a_sales)
    return order, lambda: _path(
        sales.order_transition(order_id=order.pk, access=access_of(users.a_warehouse, store), to="pending_delivery"),
        "orders",
    )


def _order_cancelled(store, users):
    order = _order(users.a_sales)
    return order, lambda: _path(
        sales.order_transition(
            order_id=order.pk, access=access_of(users.a_admin, store), to="cancelled", reason="gone"
        ),
        "orders",
    )


def _payment(store, users):
    order = _order(users.a_sales, status="pending_receipt")
    return finance.payment_create(
        access=access_of(users.a_sales, store), order=order, kind="collection", amount=Decimal("50.00"), method="cash"
    )


def _payment_confirmed(store, users):
    payment = _payment(store, users)
    return payment, lambda: _path(
        finance.payment_confirm(access=access_of(users.a_finance, store), payment_id=payment.pk), "payments"
    )


def _payment_rejected(store, users):
    payment = _payment(store, users)
    return payment, lambda: _path(
        finance.payment_reject(
            access=access_of(users.a_finance, store), payment_id=payment.pk, reason="no such transfer"
        ),
        "payments",
    )


def _shipped(users):
    return _order(users.a_sales, status="pending_receipt", payment_mode="prepaid", collected="200.00")


def _aftersales_created(store, users):
    order = _shipped(users)
    return order, lambda: _path(
        aftersales.case_apply(
            access=access_of(users.a_sales, store),
            order_id=order.pk,
            type="refund_only",
            amount=Decimal("20.00"),
            reason="dent",
        ),
        "after-sales",
    )


def _approved_case(store, users):
    order = _shipped(users)
    case = aftersales.case_apply(
        access=access_of(users.a_sales, store),
        order_id=order.pk,
        type="refund_only",
        amount=Decimal("20.00"),
        reason="dent",
    )
    return aftersales.case_approve(case_id=case.pk, access=access_of(users.a_supervisor, store), comment="OK")


def _aftersales_approved(store, users):
    order = _shipped(users)
    case = aftersales.case_apply(
        access=access_of(users.a_sales, store),
        order_id=order.pk,
        type="refund_only",
        amount=Decimal("20.00"),
        reason="dent",
    )
    return case, lambda: _path(
        aftersales.case_approve(case_id=case.pk, access=access_of(users.a_supervisor, store), comment="OK"),
        "after-sales",
    )


def _aftersales_completed(store, users):
    case = _approved_case(store, users)
    case = aftersales.case_process(case_id=case.pk, access=access_of(users.a_admin, store))

    def act():
        finance.payment_confirm(access=access_of(users.a_finance, store), payment_id=case.refund_payment_id)
        done = aftersales.refund_confirmed(payment_id=case.refund_payment_id, case_id=case.pk)
        return done.pk, f"/api/v1/after-sales/{done.pk}"

    return case, act


def _quotation_approved(store, users):
    customer = make_customer(owner=users.a_sales)
    product = make_product(list_price="100.00")
    access = access_of(users.a_sales, store)
    quotation = sales.quotation_create(
        access=access,
        customer_id=customer.pk,
        lines=[LineInput(product.pk, 10, Decimal("30.00"))],
        valid_until=timezone.localdate() + timedelta(days=10),
    )
    sales.quotation_submit(quotation_id=quotation.pk, access=access)
    return quotation, lambda: _path(
        sales.quotation_approve(quotation_id=quotation.pk, access=access_of(users.a_admin, store), comment="fine"),
        "quotations",
    )


def _path(obj, collection: str) -> tuple[int, str]:
    return obj.pk, f"/api/v1/{collection}/{obj.pk}"


SCENARIOS = {
    "customer.created": _customer_created,
    "customer.updated": _customer_updated,
    "customer.released": _customer_released,
    "customer.claimed": _customer_claimed,
    "customer.merged": _customer_merged,
    "lead.created": _lead_created,
    "order.created": _order_created,
    "order.status_changed": _order_status_changed,
    "order.cancelled": _order_cancelled,
    "payment.confirmed": _payment_confirmed,
    "payment.rejected": _payment_rejected,
    "aftersales.created": _aftersales_created,
    "aftersales.approved": _aftersales_approved,
    "aftersales.completed": _aftersales_completed,
    "quotation.approved": _quotation_approved,
}


# A lead is taken in (lead.created), then distributed in the same transaction (lead.assigned).
SET_LATER_IN_THE_TRANSACTION = {
    "lead.created": {"event": "lead.assigned", "fields": ("owner", "owner_name", "assigned_at", "respond_by")}
}


def _typed_after(last_id: int) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(pk__gt=last_id).exclude(type="").order_by("id"))


@pytest.mark.parametrize("event_type", sorted(SCENARIOS))
def test_each_event_is_written_with_its_change_and_carries_the_api_representation(
    event_type, store_a, users, api, in_store
):
    with in_store(store_a):
        _context, act = SCENARIOS[event_type](store_a, users)
        last = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with pytest.raises(Rollback), transaction.atomic():
        with in_store(store_a):
            entity_id, path = act()
            written = [e for e in _typed_after(last) if e.type == event_type]
        assert [(e.entity_id, e.entity) for e in written] == [(entity_id, event_type.split(".")[0])]
        event = written[0]
        response = api(users.a_admin, store_a).get(path)
        assert response.status_code == 200, response.content
        shown = response.json()
        # Costs depend on the reader (``costs.view``): events never carry them.
        if isinstance(shown.get("lines"), list):
            shown["lines"] = [{k: v for k, v in line.items() if k != "unit_cost"} for line in shown["lines"]]
        assert event.data["id"] == entity_id
        later = SET_LATER_IN_THE_TRANSACTION.get(event_type, {})
        if later:
            # Changed by a later step of the same transaction, which has its own event.
            with in_store(store_a):
                following = [e for e in _typed_after(event.id) if e.type == later["event"]]
            assert following and all(following[-1].data[key] == shown[key] for key in later["fields"])
        # Every field of the event is the API's (the API may add reader-dependent ones).
        assert {key: shown[key] for key in event.data if key in shown and key not in later.get("fields", ())} == {
            key: value for key, value in event.data.items() if key in shown and key not in later.get("fields", ())
        }
        reader_dependent = {
            "summary",
            "timeline",
            "allowed_transitions",
            "panels",
            "deliveries",
            "events",
            "actions",
            "assignments",
            # Costs are shown to ``costs.view`` only and never written into events.
            "cost",
            "gross_profit",
            "gross_margin",
            "lines_without_cost",
            "cost_price",
        }
        assert set(shown) - reader_dependent <= set(event.data) | {"merged"}
        raise Rollback
    with in_store(store_a):
        assert _typed_after(last) == []


def test_every_scenario_is_a_catalogued_type():
    assert set(SCENARIOS) <= set(EVENT_TYPES)
    assert set(EVENT_TYPES) - set(SCENARIOS) == {
        "lead.assigned",
        "lead.contacted",
        "lead.converted",
        "lead.lost",
        "webhook.test",
        "delivery.failed",  # tests/tenant_apps/sales/test_delivery_failed.py
    }


def test_a_domain_event_without_a_topic_is_never_pending_for_hq(store_a, users, in_store):
    with in_store(store_a):
        services.emit("quotation.approved", entity="quotation", entity_id=7, data={"id": 7})
        services.publish(topic="order", entity_id=8)
        rows = list(OutboxEvent.objects.order_by("id").values_list("type", "topic", "drained_at"))
        assert rows[-2][:2] == ("quotation.approved", "") and rows[-2][2] is not None
        assert rows[-1] == ("", "order", None)
        assert [e.entity_id for e in selectors.pending_events(limit=10)] == [8]


def test_publish_needs_a_topic_or_an_event(store_a, in_store):
    with in_store(store_a), pytest.raises(ValueError):
        services.publish(entity_id=1)


def test_events_of_a_running_transaction_are_not_listed_yet(store_a, in_store):
    with in_store(store_a):
        for n in range(3):
            services.emit("customer.updated", entity="customer", entity_id=n, data={"id": n})
        # The test's own transaction is still running: its rows are at or above the horizon.
        assert selectors.events_after("webhooks") == []
