"""Cursor consumers of the store's event log.

A consumer (webhooks, automation) registers a function that reads its events with
``selectors.events_after(name)``, handles them and calls ``services.advance(name, to_id=...)``.
Each consumer runs in its own Celery task, under its own lock, so a slow or failing consumer never
holds up another; a consumer that falls behind only falls behind itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import connection

from shared_apps.platform import runners

logger = logging.getLogger(__name__)

_CONSUMERS: dict[str, Callable[[], Any]] = {}


def register(name: str, run: Callable[[], Any]) -> None:
    """Register ``run`` (no arguments, runs in the store's schema) as the consumer ``name``.
    Call it from the app's ``AppConfig.ready``."""
    _CONSUMERS[name] = run


def names() -> list[str]:
    return sorted(_CONSUMERS)


def wake() -> None:
    """Ask the worker to run every consumer of the current store (after a commit that wrote events).
    A broker that cannot be reached loses nothing: the periodic sweep runs the consumers anyway."""
    from tenant_apps.outbox import tasks

    for name in names():
        try:
            runners.wake_once(wake_key(name), lambda name=name: tasks.run_consumer.delay(name))
        except Exception:
            logger.warning("could not wake the event consumer %s", name, exc_info=True)


def wake_key(name: str) -> str:
    """The work of the consumer ``name`` in the current store, for ``runners.wake_once``."""
    return f"{connection.schema_name}:events:{name}"


def run(name: str) -> Any:
    """Run the consumer ``name`` in the current store unless it is already running there (a
    session advisory lock per store and consumer), and again if events arrived as it finished
    (``platform.runners``). Returns what the consumer returned (its last round), or
    ``{"skipped": "busy"}``."""
    from tenant_apps.outbox import selectors

    rounds = runners.run_alone(
        wake_key(name), _CONSUMERS[name], more=lambda: bool(selectors.events_after(name, limit=1))
    )
    return rounds[-1] if rounds else runners.BUSY


def run_all() -> dict:
    """Every consumer of the current store, one after the other; one failing does not stop the rest."""
    outcome: dict[str, Any] = {}
    for name in names():
        try:
            outcome[name] = run(name)
        except Exception as error:
            logger.exception("event consumer %s failed", name)
            outcome[name] = {"error": type(error).__name__}
    return outcome
