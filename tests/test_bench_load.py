"""What bench.load.run reads from the processes of a load run: CPU that survives the processes that
used it (a recycled gunicorn worker, a closed backend), and the tasks beat's dispatches sent."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from bench.load import run

BURN = 0.3  # CPU seconds a child burns (counted on its own CPU clock, not the wall clock)
# What the kernel reports of BURN: user and system times in clock ticks, each rounded down.
SEEN = BURN - 0.05

# A parent that forks a child, lets it burn BURN CPU seconds, waits for it (the child is gone:
# its times are now the parent's children times) and stays alive until its stdin closes.
PARENT_OF_A_FINISHED_CHILD = f"""
import os, sys, time
pid = os.fork()
if pid == 0:
    while time.process_time() < {BURN}:
        pass
    os._exit(0)
os.waitpid(pid, 0)
print("ready", flush=True)
sys.stdin.read()
"""

# A process that burns BURN CPU seconds itself, then stays alive until its stdin closes.
BURNER = f"""
import sys, time
while time.process_time() < {BURN}:
    pass
print("ready", flush=True)
sys.stdin.read()
"""

# A parent whose child has burnt BURN CPU seconds and is still alive.
PARENT_OF_A_LIVE_CHILD = f"""
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", {BURNER!r}], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print("ready", flush=True)
sys.stdin.read()
child.stdin.close()
child.wait()
"""


@pytest.fixture
def spawn():
    started = []

    def start(code: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout.readline().strip() == "ready"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.stdin.close()
            process.wait(30)


def finish(process: subprocess.Popen) -> None:
    process.stdin.close()
    process.wait(30)


def test_a_process_trees_cpu_counts_the_children_that_have_exited(spawn):
    parent = spawn(PARENT_OF_A_FINISHED_CHILD)
    tree = psutil.Process(parent.pid)

    assert tree.children() == []  # summing the live children alone finds nothing
    assert run.tree_cpu_seconds(tree) >= SEEN


def test_a_process_trees_cpu_counts_its_live_children(spawn):
    parent = spawn(PARENT_OF_A_LIVE_CHILD)
    tree = psutil.Process(parent.pid)
    own = tree.cpu_times()

    assert own.user + own.system + own.children_user + own.children_system < SEEN
    assert run.tree_cpu_seconds(tree) >= SEEN


def test_a_meter_counts_from_its_first_call_and_keeps_what_exited_processes_used(spawn):
    before = spawn(BURNER)
    meter = run.CpuMeter()

    assert meter.seconds([before.pid]) == 0  # what it used before the first call is not counted

    after = spawn(BURNER)
    counted = meter.seconds([before.pid, after.pid])
    assert counted >= SEEN  # it started after the first call: all its CPU counts

    finish(after)
    assert meter.seconds([before.pid, after.pid]) == counted  # gone, its CPU stays counted


def test_cores_used_over_the_samples_of_a_group():
    samples = [
        {"t": 100.0, "cpu_s": {"gunicorn": 10.0}},
        {"t": 105.0, "cpu_s": {"gunicorn": 14.0, "pgbouncer": 1.0}},
        {"t": 110.0, "cpu_s": {"gunicorn": 18.0, "pgbouncer": 1.5}},
    ]

    assert run.cores_used(samples, "gunicorn") == 0.8
    assert run.cores_used(samples, "pgbouncer") == 0.1
    assert run.cores_used(samples, "beat") is None


def test_the_tasks_each_dispatch_sent_are_summed_per_job():
    log = "\n".join(
        [
            "[2026-01-05 10:00:00,001: INFO/ForkPoolWorker-1] job hq.rollup dispatched to 3 stores (at ...)",
            "[2026-01-05 10:00:00,002: INFO/ForkPoolWorker-2] job webhooks.deliver dispatched to 0 stores (at ...)",
            "[2026-01-05 10:00:10,001: INFO/ForkPoolWorker-1] job hq.rollup dispatched to 1000 stores (at ...)",
            "[2026-01-05 10:00:10,005: INFO/MainProcess] Task platform.run_store_job[abc] received",
        ]
    )

    assert run.dispatches(log) == {
        "hq.rollup": {"dispatches": 2, "tasks": 1003},
        "webhooks.deliver": {"dispatches": 1, "tasks": 0},
    }
