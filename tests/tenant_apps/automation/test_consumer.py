"""The automation consumer of the event log on committed events (real connections): an event rule
fires once per event, however often the consumer runs; a failed delivery is an event rules see."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.automation import consumer, services
from tenant_apps.automation.models import Rule, RuleRun
from tenant_apps.outbox import selectors as outbox_selectors
from tenant_apps.outbox import services as outbox_services
from tenant_apps.outbox.models import EventCursor, OutboxEvent
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of


@pytest.fixture
def store(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    with tenant_context(store):
        top = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        EventCursor.objects.filter(consumer=consumer.CONSUMER).delete()
        while batch := outbox_selectors.events_after(consumer.CONSUMER):
            outbox_services.advance(consumer.CONSUMER, to_id=batch[-1].id)
    yield store
    with tenant_context(store):
        OutboxEvent.objects.filter(id__gt=top).delete()
        EventCursor.objects.filter(consumer=consumer.CONSUMER).delete()
        Rule.objects.all().delete()


def consume_until_run(rule, timeout: float = 90.0) -> None:
    """Run the consumer until the rule has a run (the commit also wakes the consumer by itself; a
    committed event is listed once every older transaction on the server has finished)."""
    deadline = time.monotonic() + timeout
    while not RuleRun.objects.filter(rule=rule).exists() and time.monotonic() < deadline:
        consumer.consume()
        time.sleep(0.2)


def test_event_rule_fires_once_per_event_from_the_log(store):
    admin = User.objects.get(email=user_email("a_admin"))
    supervisor = User.objects.get(email=user_email("a_supervisor"))
    with tenant_context(store):
        rule = services.rule_create(
            data={
                "name": "Orders to pending receipt",
                "trigger": {"event": "order.status_changed"},
                "conditions": {"field": "status", "op": "eq", "value": "pending_receipt"},
                "actions": [{"type": "notify", "users": [supervisor.pk], "title": "{number} shipped"}],
            },
            access=access_of(admin),
        )
        with transaction.atomic():
            outbox_services.emit(
                "order.status_changed",
                entity="order",
                entity_id=5,
                data={"id": 5, "number": "SO-5", "status": "pending_receipt"},
            )
            outbox_services.emit(
                "order.status_changed",
                entity="order",
                entity_id=6,
                data={"id": 6, "number": "SO-6", "status": "completed"},
            )
        consume_until_run(rule)
        consumer.consume()
        consumer.consume()
        runs = list(RuleRun.objects.filter(rule=rule).values_list("record_id", "outcome"))
        assert runs == [("5", "fired")]
