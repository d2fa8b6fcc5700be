"""The race harness: calls run at the same moment on real database connections, one per thread.

The tests that use it take the ``committed_db`` fixture (the threads' connections see only
committed rows) and remove what they made.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from django.db import connections
from django_tenants.utils import tenant_context

from shared_apps.platform.errors import DomainError


def at_once(store, *calls: Callable[[], object], keep_exceptions: bool = False) -> list[object]:
    """Run each call in its own thread and database connection inside ``store`` (None: the public
    schema), released together by a barrier. Returns, in call order, each call's result or, for a
    ``DomainError``, its code.

    With ``keep_exceptions`` every exception (a ``DomainError`` too) is returned as the outcome of
    its call, for the test to report; without it, an exception other than a ``DomainError`` leaves
    its call's outcome None."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            with tenant_context(store) if store is not None else contextlib.nullcontext():
                barrier.wait(timeout=10)
                try:
                    outcomes[index] = call()
                except DomainError as exc:
                    if keep_exceptions:
                        raise
                    outcomes[index] = str(exc.code)
        except Exception as exc:
            if not keep_exceptions:
                raise
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def meeting_point(parties: int) -> Callable[[], None]:
    """A point inside the raced calls where they line up a second time: the first time each of
    ``parties`` threads calls it, it waits for the others; later calls in a thread pass at once.
    (Patch it into the code under test, after a check and before the write it guards.)"""
    barrier = threading.Barrier(parties)
    local = threading.local()

    def meet() -> None:
        if not getattr(local, "met", False):
            local.met = True
            barrier.wait(timeout=10)

    return meet
