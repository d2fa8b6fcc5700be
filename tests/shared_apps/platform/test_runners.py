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
