"""Starting and running spreadsheet imports (store schema).

``import_start`` checks the upload completely before anything is stored (size, readable CSV or
XLSX, number of rows, columns after the mapping); a refused file leaves no job and no file. A
small file (``SYNC_MAX_ROWS`` rows or fewer) is imported in the request; a larger one by the
``imports.run`` Celery task, sent when the request's transaction commits.

Running: rows are committed in batches of ``BATCH_ROWS``. Within a batch each row is processed
inside its own savepoint (a refused row leaves nothing and does not undo the rows before it), or
the importer takes the whole batch at once (``batch_rows``, same outcomes). A batch commits
together with its per-row results (``ImportBatch``) and the job's progress and counts, so the
page polling the job moves, and a run that died is resumed exactly after its last committed
batch (see ``import_run``). When all rows are done the result report is written from the stored
results: a CSV (row, outcome, message, id, then the row's own cells), stored under the store's
prefix and served only through a view that checks who asks.

The writes live in two modules: ``running`` (starting a job and running it, with the batch and
staleness knobs) and ``staging`` (the pages' two-step upload). This package exports what other
modules call.
"""

from tenant_apps.imports.services.running import STALE_AFTER, batch_rows, import_run, import_start, redispatch_stale
from tenant_apps.imports.services.staging import import_stage, import_start_staged, staged_import_get, staging_discard

__all__ = [
    "STALE_AFTER",
    "batch_rows",
    "import_run",
    "import_stage",
    "import_start",
    "import_start_staged",
    "redispatch_stale",
    "staged_import_get",
    "staging_discard",
]
