"""Cursor consumers of the event log on committed rows (real connections): each consumer keeps its
own place, a row committed late with a smaller id is never skipped, retention skips a consumer that
fell behind. The rows are committed, so the tests remove what they made."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connections, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.outbox import selectors, services
from tenant_apps.outbox.models import EventCursor, OutboxEvent
from tenants.models import Store
from tests.conftest import STORE_A

# Readers of the log that no worker runs (the registered consumers run on every commit in the tests).
READERS = ("reader-a", "reader-b")


@pytest.fixture
def store(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    with tenant_context(store):
        top = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        # Start every consumer after what earlier tests left.
        EventCursor.objects.filter(consumer__in=READERS).delete()
        for consumer in READERS:
            EventCursor.objects.create(consumer=consumer)
        _skip_everything_committed()
    yield store
    with tenant_context(store):
        OutboxEvent.objects.filter(id__gt=top).delete()
        EventCursor.objects.filter(consumer__in=[*READERS, "c-marker"]).delete()


def _skip_everything_committed() -> None:
    for consumer in READERS:
        while batch := selectors.events_after(consumer):
            services.advance(consumer, to_id=batch[-1].id)


def listed(consumer: str, *, count: int, timeout: float = 90.0, limit: int = 500) -> list:
    """``events_after(consumer)`` once it lists ``count`` events: a committed event is listed once
    every transaction of the database older than its own has finished (other connections'
    transactions may hold it back for a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        events = selectors.events_after(consumer, limit=limit)
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.2)


def _committed(store, n: int, *, type_: str = "customer.updated") -> list[int]:
    with tenant_context(store), transaction.atomic():
        for i in range(n):
            services.emit(type_, entity="customer", entity_id=i, data={"id": i})
        return list(OutboxEvent.objects.filter(type=type_).order_by("-id").values_list("id", flat=True)[:n])[::-1]


def test_consumers_advance_independently_and_never_move_back(store):
    ids = _committed(store, 3)
    with tenant_context(store):
        services.publish(topic="order", entity_id=99)  # an HQ-only fact: no consumer reads it
        first = listed("reader-a", count=3)
        assert [e.id for e in first] == ids
        assert all(e.type == "customer.updated" and e.entity == "customer" for e in first)
        assert [e.data for e in first] == [{"id": 0}, {"id": 1}, {"id": 2}]
        services.advance("reader-a", to_id=first[-1].id)
        assert selectors.events_after("reader-a") == []
        # Another consumer is not moved by it.
        assert [e.id for e in listed("reader-b", count=3)] == ids
        services.advance("reader-b", to_id=ids[0])
        assert [e.id for e in selectors.events_after("reader-b")] == ids[1:]
        assert [e.id for e in selectors.events_after("reader-b", limit=1)] == ids[1:2]
        services.advance("reader-b", to_id=ids[-1])
        services.advance("reader-b", to_id=ids[0])  # never back
        assert selectors.events_after("reader-b") == []
        assert selectors.cursor_position("reader-b") == ids[-1]


def test_an_event_committed_late_with_a_smaller_id_is_not_skipped(store):
    """Transaction A takes an id, B takes a bigger one and commits first; a reader that handled B
    must still get A once A commits."""
    a_inserted, b_committed = threading.Event(), threading.Event()

    def writer_a():
        try:
            with tenant_context(store), transaction.atomic():
                services.emit("order.created", entity="order", entity_id=1, data={"id": 1})
                a_inserted.set()
                assert b_committed.wait(20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer_a)
    thread.start()
    try:
        assert a_inserted.wait(20)
        with tenant_context(store):
            with transaction.atomic():
                services.emit("order.created", entity="order", entity_id=2, data={"id": 2})
            # B is committed while A still runs: A's transaction is older, so nothing past the
            # horizon is handed out (B waits for A).
            assert selectors.events_after("reader-a") == []
    finally:
        b_committed.set()
        thread.join(20)
    with tenant_context(store):
        seen = listed("reader-a", count=2)
        assert [e.entity_id for e in seen] == [1, 2]
        services.advance("reader-a", to_id=seen[-1].id)
        assert selectors.events_after("reader-a") == []


def test_an_older_transaction_committing_after_a_read_is_still_delivered(store):
    """The reader handled B (younger transaction, committed) while an older transaction C that had
    started writing earlier inserts its event later: C's event must come after, not be skipped."""
    c_wrote, c_go = threading.Event(), threading.Event()

    def writer_c():
        try:
            with tenant_context(store), transaction.atomic():
                # C takes its transaction id now (a write elsewhere), its event id later.
                EventCursor.objects.create(consumer="c-marker", position=0)
                c_wrote.set()
                assert c_go.wait(20)
                services.emit("order.created", entity="order", entity_id=3, data={"id": 3})
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer_c)
    thread.start()
    try:
        assert c_wrote.wait(20)
        _committed(store, 1, type_="order.cancelled")
    finally:
        c_go.set()
        thread.join(20)
    with tenant_context(store):
        seen = [e.entity_id for e in listed("reader-a", count=2)]
        # Both are delivered; C (the older transaction) first although its id is larger.
        assert seen == [3, 0]


def _open_transaction_in(dbname: str):
    """A real connection to ``dbname`` on the same server, inside a transaction that has taken a
    transaction id (and keeps it until closed)."""
    import psycopg

    settings = connections["default"].settings_dict
    conn = psycopg.connect(
        dbname=dbname,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    xid = int(conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0])
    return conn, xid


def test_a_long_transaction_in_another_database_does_not_hold_the_events_back(store):
    other, other_xid = _open_transaction_in("postgres")
    try:
        ids = _committed(store, 2, type_="order.created")
        with tenant_context(store), connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
            # The server-wide horizon is held by the other database's transaction...
            assert int(cursor.fetchone()[0]) <= other_xid
            # ... but the events are listed at once: that transaction cannot write here.
            assert [e.id for e in selectors.events_after("reader-a")] == ids
    finally:
        other.close()


def test_a_transaction_of_this_database_older_than_the_events_holds_them_back(store):
    here, _ = _open_transaction_in(connections["default"].settings_dict["NAME"])
    try:
        _committed(store, 1, type_="order.created")
        with tenant_context(store):
            assert selectors.events_after("reader-a") == []
            assert selectors.waiting("reader-a")
    finally:
        here.close()
    with tenant_context(store):
        assert [e.type for e in listed("reader-a", count=1)] == ["order.created"]


def test_retention_deletes_old_drained_events_and_a_behind_consumer_skips_ahead(store, caplog):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=40), tick=False):
        old = _committed(store, 2, type_="order.created")
    recent = _committed(store, 1, type_="order.cancelled")
    with tenant_context(store):
        services.publish(topic="order", entity_id=5)  # HQ has not drained it yet: kept however old
        OutboxEvent.objects.filter(topic="order", drained_at__isnull=True).update(created_at=start - timedelta(days=40))
        services.advance("reader-b", to_id=recent[0])  # a consumer that read everything
        with caplog.at_level("WARNING"):
            outcome = services.purge_expired(before=start - timedelta(days=30))
        assert outcome["skipped"]["reader-a"] == 2
        assert "reader-b" not in outcome["skipped"]
        assert "reader-a skipped 2 events" in caplog.text
        assert not OutboxEvent.objects.filter(pk__in=old).exists()
        assert OutboxEvent.objects.filter(topic="order", drained_at__isnull=True).exists()
        assert [e.id for e in listed("reader-a", count=1)] == recent
        assert selectors.events_after("reader-b") == []
