"""What beat's dispatch of a job sends, without running it."""

from __future__ import annotations

from unittest import mock

from django.db import connection

from shared_apps.platform.tasks import dispatch_job, run_store_job


def dispatched(name: str, at_iso: str | None = None) -> list[str]:
    """The schemas of the stores ``dispatch_job(name)`` sends a run to, sorted (the runs are
    recorded, not executed)."""
    sent: list[str] = []
    with mock.patch.object(run_store_job, "apply_async", lambda *args, **kwargs: sent.append(connection.schema_name)):
        dispatch_job.delay(name, at_iso).get()
    return sorted(sent)
