"""One runner at a time, and no wake-up lost while the runner holds the lock (real connections:
the lock is a database session's)."""

from __future__ import annotations

import threading

from django.db import connections

from shared_apps.platform.runners import run_alone

KEY = "test:runners"


def test_a_free_lock_runs_the_work_once_when_nothing_more_waits(committed_db):
    waiting = [1, 2]
    done: list[int] = []

    def work():
        done.extend(waiting)
        waiting.clear()
        return len(done)

    assert run_alone(KEY, work, more=lambda: bool(waiting)) == [2]
    assert done == [1, 2]


def test_a_wake_up_while_the_runner_holds_the_lock_is_run_by_that_runner(committed_db):
    """While the runner works, an item arrives and its own wake-up finds the lock held and leaves;
    the runner, asking once more after letting go, does it."""
    waiting = [1]
    done: list[int] = []
    second: list[object] = []

    def wake_up_meanwhile():
        try:
            second.append(run_alone(KEY, lambda: done.append(-1), more=lambda: False))
        finally:
            connections.close_all()

    def work():
        done.extend(waiting)
        waiting.clear()
        if len(done) == 1:  # an item arrives after the runner's look, and its wake-up comes at once
            waiting.append(2)
            thread = threading.Thread(target=wake_up_meanwhile)
            thread.start()
            thread.join(timeout=30)
        return list(done)

    rounds = run_alone(KEY, work, more=lambda: bool(waiting))
    assert second == [None]  # the wake-up found the lock held
    assert done == [1, 2]  # and the item was not left for a sweep
    assert rounds == [[1], [1, 2]]


def test_after_the_runner_lets_go_another_takes_the_lock(committed_db):
    assert run_alone(KEY, lambda: "first", more=lambda: False) == ["first"]
    outcome: list[object] = []

    def other():
        try:
            outcome.append(run_alone(KEY, lambda: "second", more=lambda: False))
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=30)
    assert outcome == [["second"]]


def test_a_wake_up_is_sent_once_until_its_task_starts(settings):
    from shared_apps.platform.runners import wake_once, woken

    sent: list[int] = []
    key = "test:wake"
    woken(key)
    assert wake_once(key, lambda: sent.append(1)) is True
    assert wake_once(key, lambda: sent.append(2)) is False  # queued, not started: it will see this work too
    woken(key)  # the task starts
    assert wake_once(key, lambda: sent.append(3)) is True
    assert wake_once("test:other", lambda: sent.append(4)) is True
    woken(key)
    woken("test:other")
    assert sent == [1, 3, 4]


def test_a_wake_up_that_could_not_be_sent_leaves_no_mark():
    import pytest

    from shared_apps.platform.runners import wake_once, woken

    key = "test:unsent"
    woken(key)

    def broker_down():
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        wake_once(key, broker_down)
    sent: list[int] = []
    assert wake_once(key, lambda: sent.append(1)) is True
    woken(key)
    assert sent == [1]


def test_without_a_cache_every_wake_up_is_sent(monkeypatch):
    from django.core.cache import cache

    from shared_apps.platform.runners import wake_once

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "delete", down)
    sent: list[int] = []
    assert wake_once("test:nocache", lambda: sent.append(1)) is True
    assert wake_once("test:nocache", lambda: sent.append(2)) is True
    assert sent == [1, 2]
