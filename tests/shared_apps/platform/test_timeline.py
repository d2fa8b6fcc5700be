"""The one timeline model the order's and the after-sales case's timelines are made of."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.timeline import TimelineEvent
from tenant_apps.aftersales.models import Case, CaseEvent
from tenant_apps.sales.models import OrderEvent
from tests.factories.sales import make_customer, make_order, make_product


def test_both_timelines_are_one_model_with_their_own_kinds_columns_and_tables():
    for model, subject, message_length in ((OrderEvent, "order", 300), (CaseEvent, "case", 500)):
        assert issubclass(model, TimelineEvent)
        assert model.subject_field == subject
        assert model._meta.ordering == ["at", "id"]
        assert model._meta.get_field("message").max_length == message_length
        assert model._meta.get_field("kind").choices == model.Kind.choices
        assert [index.fields for index in model._meta.indexes] == [[subject, "at"]]
    assert OrderEvent._meta.db_table == "sales_orderevent"
    assert CaseEvent._meta.db_table == "aftersales_caseevent"


def test_a_step_is_cut_to_its_models_message_length_and_refuses_another_timelines_kind():
    case = Case()
    event = CaseEvent.build(case, kind=CaseEvent.Kind.APPLIED, actor=7, message="x" * 600)
    assert (event.case, event.actor_id, len(event.message), event.data) == (case, 7, 500, {})
    assert event.at is not None
    with pytest.raises(ValueError):
        CaseEvent.build(case, kind=OrderEvent.Kind.PAYMENT)


@pytest.mark.django_db
def test_recording_a_step_writes_one_row_of_the_subjects_timeline(store_a, in_store, users):
    at = timezone.now() - timedelta(hours=1)
    with in_store(store_a):
        product = make_product(sku="TL-1", list_price="10.00")
        order = make_order(customer=make_customer(owner=users.a_sales), owner=users.a_sales, lines=[(product, 1, "10")])
        event = OrderEvent.record(
            order, kind="feedback", actor=users.a_sales, at=at, message="y" * 400, data={"rating": 5}
        )
        stored = OrderEvent.objects.get(pk=event.pk)
        assert (stored.order_id, stored.kind, stored.actor_id, stored.at) == (
            order.pk,
            "feedback",
            users.a_sales.pk,
            at,
        )
        assert (len(stored.message), stored.data) == (300, {"rating": 5})
        assert str(stored) == f"feedback {at:%Y-%m-%d %H:%M}"
        assert OrderEvent.record(order, kind="transition").actor_id is None
