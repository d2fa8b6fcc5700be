"""Celery task of the event log: run one cursor consumer in the store schema it was sent from
(tenant-schemas-celery). When committed events are still held back by an older transaction of the
database (see ``selectors.events_after``), the task runs again a second later rather than
waiting for the next commit or the sweep."""

from __future__ import annotations

from celery import shared_task

from shared_apps.platform import runners
from tenant_apps.outbox import consumers, selectors

RETRY_SECONDS = 1
MAX_RETRIES = 120


@shared_task(name="outbox.run_consumer", acks_late=True, bind=True)
def run_consumer(self, name: str, retries: int = 0) -> None:
    runners.woken(consumers.wake_key(name))
    consumers.run(name)
    if self.app.conf.task_always_eager or retries >= MAX_RETRIES:
        return  # the sweep (outbox.consume) takes over
    if selectors.waiting(name):
        runners.wake_once(
            consumers.wake_key(name),
            lambda: run_consumer.apply_async((name, retries + 1), countdown=RETRY_SECONDS),
        )
