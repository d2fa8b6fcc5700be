"""Beat sends the re-dispatch of stale handovers only to the stores with a handover left waiting or
running for too long."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.handover import services
from tenant_apps.handover.models import Handover
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db


def sent(at: datetime) -> list[str]:
    return dispatched("handover.redispatch_stale", at.isoformat())


def handover(store, users, in_store, **fields) -> Handover:
    with in_store(store):
        return Handover.objects.create(from_owner_id=users.a_sales.pk, by_id=users.a_admin.pk, **fields)


def test_a_waiting_handover_is_sent_from_the_moment_it_is_stale(store_a, store_b, users, in_store, monkeypatch):
    redispatched = []
    monkeypatch.setattr(services, "_dispatch", lambda schema, handover_id: redispatched.append((schema, handover_id)))
    waiting = handover(store_b, users, in_store)
    stale = waiting.created_at + services.STALE_AFTER

    assert sent(waiting.created_at) == []
    assert sent(stale - timedelta(microseconds=1)) == []
    assert sent(stale) == [store_b.schema_name]

    # the run in the store the probe chose sends the handover again
    outcome = run_in_store(get_job("handover.redispatch_stale"), store=store_b, at=stale, propagate=True)
    assert outcome.ok and outcome.result == {"redispatched": 1}
    assert redispatched == [(store_b.schema_name, waiting.pk)]


def test_a_running_handover_is_sent_from_the_moment_it_is_stale(store_a, store_b, users, in_store, monkeypatch):
    redispatched = []
    monkeypatch.setattr(services, "_dispatch", lambda schema, handover_id: redispatched.append((schema, handover_id)))
    running = handover(store_a, users, in_store, status=Handover.Status.RUNNING)
    started = running.created_at + timedelta(minutes=30)
    with in_store(store_a):
        Handover.objects.filter(pk=running.pk).update(started_at=started)
    stale = started + services.STALE_AFTER

    assert sent(stale - timedelta(microseconds=1)) == []
    assert sent(stale) == [store_a.schema_name]
    outcome = run_in_store(get_job("handover.redispatch_stale"), store=store_a, at=stale, propagate=True)
    assert outcome.ok and outcome.result == {"redispatched": 1}
    assert redispatched == [(store_a.schema_name, running.pk)]


def test_finished_handovers_are_never_stale(store_a, store_b, users, in_store):
    handover(store_a, users, in_store, status=Handover.Status.DONE)
    handover(store_b, users, in_store, status=Handover.Status.FAILED)
    assert sent(timezone.now() + timedelta(days=1)) == []
