"""Beat sends the HQ drain only to the stores with events waiting; the others' feeds record that
nothing waited, which is what the dashboard's "as of" rests on."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from hq_reports import rollups
from hq_reports.dashboard import store_freshness
from hq_reports.models import StoreFeed, StoreTotals
from shared_apps.platform import jobs
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.outbox.services import publish
from tenant_apps.workspace.models import StoreSettings
from tenants.models import Store
from tests.dispatch import dispatched


def drained(*stores) -> None:
    for store in stores:
        with tenant_context(store):
            rollups.drain()


def feed(store) -> StoreFeed:
    return StoreFeed.objects.get(store_id=store.pk)


@pytest.mark.django_db
def test_only_stores_with_events_waiting_are_drained_and_the_others_feeds_move_on(store_a, store_b):
    drained(store_a, store_b)
    assert dispatched("hq.rollup") == []
    with tenant_context(store_b):
        publish(topic="customer", entity_id=1)
    before = timezone.now()
    assert dispatched("hq.rollup") == [store_b.schema_name]
    # store_a had nothing waiting: its feed says so as of the probe, not of its last drain
    assert feed(store_a).last_drained_at >= before - timedelta(seconds=1)
    assert feed(store_a).pending_since is None


@pytest.mark.django_db
def test_an_idle_store_is_not_behind_however_long_ago_it_was_drained(store_a, store_b):
    drained(store_a, store_b)
    long_ago = timezone.now() - timedelta(hours=3)
    StoreFeed.objects.filter(store_id=store_a.pk).update(last_drained_at=long_ago)
    store = Store.objects.get(pk=store_a.pk)
    assert store_freshness([store], now=timezone.now())[store.pk].behind
    dispatched("hq.rollup")
    assert not store_freshness([store], now=timezone.now())[store.pk].behind


@pytest.mark.django_db
def test_a_feed_more_recent_than_the_probe_is_left_as_it_is(store_a, monkeypatch):
    drained(store_a)
    later = timezone.now() + timedelta(minutes=5)
    StoreFeed.objects.filter(store_id=store_a.pk).update(last_drained_at=later)
    dispatched("hq.rollup")
    assert feed(store_a).last_drained_at == later


@pytest.mark.django_db
def test_a_store_never_drained_is_drained(store_a, store_b):
    drained(store_a, store_b)
    StoreFeed.objects.filter(store_id=store_b.pk).delete()
    assert dispatched("hq.rollup") == [store_b.schema_name]
    assert not StoreFeed.objects.filter(store_id=store_b.pk).exists()


@pytest.mark.django_db
def test_a_new_return_visit_window_or_zone_sends_the_drain_that_applies_it(store_a, store_b):
    drained(store_a, store_b)
    with tenant_context(store_a):
        row = StoreSettings.objects.first() or StoreSettings.objects.create()
        StoreSettings.objects.filter(pk=row.pk).update(return_visit_window_days=row.return_visit_window_days + 3)
    Store.objects.filter(pk=store_b.pk).update(timezone="America/New_York")
    assert dispatched("hq.rollup") == sorted([store_a.schema_name, store_b.schema_name])
    assert feed(store_b).rollup_zone != "America/New_York"  # the zone moves with the drain, not the probe
    drained(store_a, Store.objects.get(pk=store_b.pk))
    assert feed(store_b).rollup_zone == "America/New_York"
    assert feed(store_a).return_visit_window_days == row.return_visit_window_days + 3
    assert dispatched("hq.rollup") == []


@pytest.fixture
def store_b_drained(committed_db, store_b):
    """Store B with every committed event drained (committed); afterwards the events it drained
    wait again and HQ holds nothing of the store, as before."""
    with tenant_context(store_b):
        waiting = list(OutboxEvent.objects.filter(drained_at__isnull=True).values_list("id", flat=True))
    assert not StoreFeed.objects.filter(store_id=store_b.pk).exists()
    drained(store_b)
    yield store_b
    with tenant_context(store_b):
        OutboxEvent.objects.filter(id__in=waiting).update(drained_at=None)
    for kind in rollups.KINDS.values():
        kind.model.objects.filter(store_id=store_b.pk).delete()
    StoreFeed.objects.filter(store_id=store_b.pk).delete()
    StoreTotals.objects.filter(store_id=store_b.pk).delete()


def test_an_event_committing_during_the_probe_is_not_vouched_for(store_b_drained, monkeypatch):
    """Real connections: a transaction that wrote an event commits after the probe's snapshot and
    before the idle stores' feeds are written. The probe cannot see it, so the store is idle, but
    the moment its feed records is taken before the probe: the dashboard never claims the event is
    in the figures. The next dispatch sends the drain."""
    store_b = store_b_drained
    written, release, done = threading.Event(), threading.Event(), threading.Event()
    committed_at = []

    def writer():
        try:
            with tenant_context(store_b), transaction.atomic():
                publish(topic="customer", entity_id=424242)
                written.set()
                release.wait(timeout=30)
            committed_at.append(timezone.now())
        finally:
            done.set()
            connections.close_all()

    job = jobs.get_job("hq.rollup")

    def idle_after_the_commit(stores, checked_at):
        release.set()
        assert done.wait(timeout=30)
        return job.idle(stores, checked_at)

    monkeypatch.setitem(jobs._registry, "hq.rollup", dataclasses.replace(job, idle=idle_after_the_commit))
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(timeout=30)
        assert store_b.schema_name not in dispatched("hq.rollup")
    finally:
        release.set()
        thread.join(timeout=30)
    vouched = feed(store_b).last_drained_at
    assert vouched < committed_at[0]
    with tenant_context(store_b):
        assert OutboxEvent.objects.filter(entity_id=424242, drained_at__isnull=True).exists()
    assert store_b.schema_name in dispatched("hq.rollup")
