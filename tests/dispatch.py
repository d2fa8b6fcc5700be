"""What beat's dispatch of a job sends, without running it."""

from __future__ import annotations

from unittest import mock

from celery.result import allow_join_result
from django.db import connection

from shared_apps.platform.tasks import dispatch_job, run_store_job


def dispatched(name: str, at_iso: str | None = None) -> list[str]:
    """The schemas of the stores ``dispatch_job(name)`` sends a run to, sorted (the runs are
    recorded, not executed)."""
    sent: list[str] = []
    # Eager tasks run at once by threads of a race test may leave Celery's "inside a task" flag set
    # in this process (each restores the value it found); joining an eager result never blocks.
    with (
        mock.patch.object(run_store_job, "apply_async", lambda *args, **kwargs: sent.append(connection.schema_name)),
        allow_join_result(),
    ):
        dispatch_job.delay(name, at_iso).get()
    return sorted(sent)
