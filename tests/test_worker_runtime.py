"""The web worker's start-up hook (deploy/gunicorn.conf.py): what the worker has loaded is frozen
out of the garbage collector's scans."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import gc, runpy
hooks = runpy.run_path("deploy/gunicorn.conf.py")
assert gc.get_freeze_count() == 0
hooks["post_worker_init"](None)
frozen = gc.get_freeze_count()
made_after = [object() for _ in range(10)]
assert gc.get_freeze_count() == frozen
print(frozen)
"""


def test_the_worker_hook_freezes_what_the_worker_has_loaded_and_nothing_made_after():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    # the modules gunicorn's settings and the hook import are among them: thousands of objects
    assert int(result.stdout.strip()) > 1000
