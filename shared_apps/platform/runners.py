"""One runner at a time for a piece of work that wakes up on demand, without losing a wake-up.

Work such as "read the store's new events" or "send an endpoint's due deliveries" is asked for by a
task after each commit, and by a periodic sweep. Two runners at once would only compete, so a
runner takes a session advisory lock and a second one, finding it held, leaves at once. That
leaves a gap: work committed after the runner's last look and before it lets go of the lock is
not seen by the runner, and its own task found the lock held and left; it would wait for the next
sweep. So, after letting go, the runner asks once more whether there is work (``more``) and, if
there is, runs again: any work committed before that question is seen, and any committed after it
has a task of its own whose attempt at the lock comes after the runner let go.

Wake-ups are also coalesced (``wake_once``): a commit sends a task only if no task for the same
work is already queued and not yet started (a mark in the shared cache, set when the task is sent
and cleared by the task as it starts, before it looks for work). Under a backlog the queue then
holds one task per store and consumer (or endpoint) instead of one per commit, each finding the
work of every commit before it started. A mark whose task was lost expires after
``WAKE_MARK_SECONDS``; meanwhile the periodic sweep finds the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)
T = TypeVar("T")

BUSY = {"skipped": "busy"}
# A periodic sweep looks only for work older than this: newer work has its wake-up on the way, and
# a sweep that ran it too would only compete with it.
WAKE_GRACE_SECONDS = 5
# How long a wake-up's mark stands when its task never starts (lost, or its worker died).
WAKE_MARK_SECONDS = 60
# Rounds one call runs at the most before it leaves the rest to the next task or sweep.
MAX_ROUNDS = 20


def run_alone(key: str, work: Callable[[], T], *, more: Callable[[], bool]) -> list[T] | None:
    """Run ``work`` under the advisory lock ``key`` (held by this database session); again while
    ``more()`` says, after the lock is let go, that work is waiting. Returns each round's result, or
    None when another runner held the lock."""
    results: list[T] = []
    for _round in range(MAX_ROUNDS):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
            if not cursor.fetchone()[0]:
                return results or None
        try:
            results.append(work())
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])
        if not more():
            break
    return results


def _mark(key: str) -> str:
    return f"wake:{key}"


def wake_once(key: str, send: Callable[[], object]) -> bool:
    """Call ``send`` (queue the task that does the work ``key``) unless a task for it is already
    queued and not started. Returns whether it was sent. A cache that cannot be reached sends."""
    try:
        first = cache.add(_mark(key), 1, timeout=WAKE_MARK_SECONDS)
    except Exception:  # the mark only saves tasks: without it, every wake-up is sent
        logger.warning("could not mark the wake-up of %s", key, exc_info=True)
        first = True
    if first:
        try:
            send()
        except Exception:
            _forget(key)
            raise
    return first


def woken(key: str) -> None:
    """The task for ``key`` starts: a commit from now on sends a new one (call it before looking
    for work)."""
    _forget(key)


def _forget(key: str) -> None:
    try:
        cache.delete(_mark(key))
    except Exception:  # the mark expires by itself
        logger.warning("could not clear the wake-up mark of %s", key, exc_info=True)
