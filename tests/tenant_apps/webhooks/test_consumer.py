"""From the event log to the receiver on committed rows: the ``webhooks`` consumer turns committed
events into deliveries once (a second run adds nothing), the receiver verifies every signature,
and one entity's events arrive in order. The rows are committed, so the test removes what it made."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.test import override_settings
from django_tenants.utils import tenant_context

from tenant_apps.outbox import consumers
from tenant_apps.outbox import services as outbox
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.webhooks import services
from tenant_apps.webhooks.models import Delivery, Endpoint
from tenants.models import Store
from tests.conftest import STORE_A
from tests.factories import access_of


@pytest.fixture
def store(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    with tenant_context(store):
        top = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        consumers.run(services.CONSUMER)  # whatever earlier tests left
    yield store
    with tenant_context(store):
        Delivery.objects.all().delete()
        Endpoint.objects.all().delete()
        OutboxEvent.objects.filter(id__gt=top).delete()


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_committed_events_reach_the_receiver_signed_once_each_and_in_order(store, receiver):
    with tenant_context(store):
        endpoint = services.endpoint_create(data={"url": receiver.url("/log"), "events": ["order.status_changed"]})
        receiver.secrets["/log"] = endpoint.secret
        ids = []
        with transaction.atomic():
            for n in range(6):
                event = outbox.emit("order.status_changed", entity="order", entity_id=n % 2, data={"n": n})
                ids.append(str(event.event_id))
            outbox.emit("customer.created", entity="customer", entity_id=1, data={"id": 1})  # not subscribed
        # The commit woke the consumer (the tests run tasks inline); a transaction elsewhere on the
        # server may hold the events back a moment, so run it until they are through.
        deadline = time.monotonic() + 90
        while len(receiver.unique_ids("/log")) < 6 and time.monotonic() < deadline:
            consumers.run(services.CONSUMER)
            services.deliver_due(endpoint_id=endpoint.pk)
            time.sleep(0.2)
        got = receiver.on("/log")
        assert receiver.unique_ids("/log") == set(ids)
        assert all(r.verified for r in got)
        for entity in (0, 1):
            order = [r.json()["data"]["n"] for r in got if r.json()["data"]["n"] % 2 == entity]
            assert order == sorted(order)
        made = Delivery.objects.filter(endpoint=endpoint).count()
        assert made == 6
        consumers.run(services.CONSUMER)
        assert Delivery.objects.filter(endpoint=endpoint).count() == made


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_the_customers_of_a_committed_import_reach_an_endpoint_subscribed_to_customer_created(
    store, receiver, settings, tmp_path
):
    from shared_apps.accounts.models import User
    from tenant_apps.imports import services as import_services
    from tests.conftest import user_email
    from tests.tenant_apps.imports.conftest import csv_stream

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    text = "name,mobile,wechat\n甲贸易,13900000101,\n,123,\n乙贸易,13900000102,\n丙贸易,,wx-webhook-c\n"
    with tenant_context(store):
        endpoint = services.endpoint_create(data={"url": receiver.url("/customers"), "events": ["customer.created"]})
        receiver.secrets["/customers"] = endpoint.secret
        job = import_services.import_start(
            kind="customers",
            file=csv_stream(text),
            access=access_of(User.objects.get(email=user_email("a_supervisor"))),
        )
        created = {row["id"] for row in job.row_results if row["outcome"] == "created"}
        assert len(created) == 3
        deadline = time.monotonic() + 90
        while len(receiver.unique_ids("/customers")) < 3 and time.monotonic() < deadline:
            consumers.run(services.CONSUMER)
            services.deliver_due(endpoint_id=endpoint.pk)
            time.sleep(0.2)
        got = receiver.on("/customers")
        assert len(receiver.unique_ids("/customers")) == 3
        assert all(r.verified for r in got)
        assert {r.json()["type"] for r in got} == {"customer.created"}
        assert {r.json()["data"]["id"] for r in got} == created
        assert {r.json()["data"]["name"] for r in got} == {"甲贸易", "乙贸易", "丙贸易"}
        assert Delivery.objects.filter(endpoint=endpoint).count() == 3
