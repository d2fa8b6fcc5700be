"""``make run`` keeps going when the worker or beat dies: the supervisor starts the process again,
and stops it (and itself) when told to."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from config.supervise import supervise

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_dying_process_is_started_again(tmp_path):
    log = tmp_path / "starts"
    crash = f"open({str(log)!r}, 'a').write('x'); raise SystemExit(3)"

    code = supervise("worker", [sys.executable, "-c", crash], max_starts=3, first_pause=0.01, max_pause=0.02)

    assert log.read_text() == "xxx"
    assert code == 3


def test_make_run_s_worker_and_beat_run_under_the_supervisor():
    source = (BASE_DIR / "config" / "devrun.py").read_text()

    assert 'supervised = f"{PYTHON} -m config.supervise"' in source
    assert 'f"{supervised} {name} -- {PYTHON} -m celery -A config worker' in source
    assert 'f"{supervised} beat -- ' in source


def test_sigterm_stops_the_process_and_the_supervisor(tmp_path):
    marker = tmp_path / "started"
    sleeper = f"import time; open({str(marker)!r}, 'w').write('1'); time.sleep(60)"
    process = subprocess.Popen(
        [sys.executable, "-m", "config.supervise", "beat", "--", sys.executable, "-c", sleeper], cwd=BASE_DIR
    )
    for _ in range(100):
        if marker.exists():
            break
        time.sleep(0.05)

    process.send_signal(signal.SIGTERM)

    process.wait(timeout=10)

    assert process.returncode == 128 + signal.SIGTERM  # the child's end, passed on
