"""Keeps one process of ``make run`` alive: ``python -m config.supervise <name> -- <command...>``.

honcho stops every process of ``make run`` as soon as one of them exits. The Celery worker and beat
run under this supervisor instead: when the process dies (a crash, an out-of-memory kill, a broker
that went away), it is started again after a pause that doubles with each quick failure (1 s up to
``MAX_PAUSE``) and resets once the process has stayed up for ``STABLE_AFTER`` seconds. A SIGTERM or
SIGINT (honcho stopping, Ctrl-C) is passed to the process, and the supervisor ends with it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

MAX_PAUSE = 30.0
STABLE_AFTER = 60.0


def supervise(
    name: str,
    command: list[str],
    *,
    max_starts: int | None = None,
    first_pause: float = 1.0,
    max_pause: float = MAX_PAUSE,
    stable_after: float = STABLE_AFTER,
) -> int:
    """Run ``command`` until told to stop (or ``max_starts`` runs, for tests); the last exit code."""
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause = first_pause
    starts = 0
    code = 0
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603 - the command line make run itself wrote
        starts += 1
        code = child.wait()
        if stopping or (max_starts is not None and starts >= max_starts):
            break
        if time.monotonic() - started >= stable_after:
            pause = first_pause
        print(f"[{name}] exited with {code}; starting it again in {pause:g} s", file=sys.stderr, flush=True)
        deadline = time.monotonic() + pause
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        pause = min(pause * 2, max_pause)
    return code


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m config.supervise <name> -- <command...>", file=sys.stderr)
        return 2
    code = supervise(argv[0], argv[2:])
    return 128 - code if code < 0 else code  # a child ended by a signal: the shell's convention


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
