"""One runner at a time for a piece of work that wakes up on demand, without losing a wake-up.

Work such as "read the store's new events" or "send an endpoint's due deliveries" is asked for by a
task after each commit, and by a periodic sweep. Two runners at once would only compete, so a
runner takes a session advisory lock and a second one, finding it held, leaves at once. That
leaves a gap: work committed after the runner's last look and before it lets go of the lock is
not seen by the runner, and its own task found the lock held and left; it would wait for the next
sweep. So, after letting go, the runner asks once more whether there is work (``more``) and, if
there is, runs again: any work committed before that question is seen, and any committed after it
has a task of its own whose attempt at the lock comes after the runner let go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")

BUSY = {"skipped": "busy"}
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
