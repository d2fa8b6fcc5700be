"""``migrate_schemas`` over many stores: with nothing to apply, and with a one-column migration.

Every figure is the wall time of a ``manage.py migrate_schemas --noinput`` process (Django start-up
included), as an operator runs it. The project's executor (tenants.migration) skips the schemas
whose applied migrations already match the files, found in one query, and migrates the rest with
django-tenants' multiprocessing executor.

The one-column migration is made at run time in a throw-away copy of the repository (a field added
to workspace.Channel, ``makemigrations`` there), applied from that copy to the same database and
reverted again; nothing is left in this repository or the database.

``--compare N`` first measures at N stores against django-tenants' own executors (``--executor
standard`` / ``multiprocessing`` with bench.stock_settings), which run Django's ``migrate`` in
every schema.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench import common

FIELD_LINE = (
    "\n\n# Added by the migrations benchmark in a throw-away copy of the repository.\n"
    'Channel.add_to_class("bench_note", models.CharField(max_length=40, blank=True, default=""))\n'
)


def _env(settings_module: str = "config.settings") -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env["CELERY_BROKER_URL"] = "memory://"
    env.pop("PYTHONPATH", None)
    return env


def manage(*args: str, repo: Path = common.REPO, settings_module: str = "config.settings") -> tuple[float, str]:
    """Run ``manage.py <args>`` in ``repo`` and return (wall seconds, output)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=repo,
        env=_env(settings_module),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise RuntimeError(f"manage.py {' '.join(args)} failed with exit code {proc.returncode}")
    return seconds, proc.stdout + proc.stderr


def _skipping_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.startswith("[skipping]")]
    return lines[-1] if lines else ""


def migrate_noop(*, executor: str | None = None) -> tuple[float, str]:
    if executor is None:
        seconds, out = manage("migrate_schemas", "--noinput")
        return seconds, _skipping_line(out)
    seconds, _out = manage(
        "migrate_schemas", "--noinput", "--executor", executor, settings_module="bench.stock_settings"
    )
    return seconds, ""


def _leaf(app_label: str) -> str:
    from django.db.migrations.loader import MigrationLoader

    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app_label)
    return leaves[0][1]


@contextmanager
def one_column_copy():
    """A copy of the repository with one more column on workspace.Channel and its migration."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_repo_"))
    repo = tmp / "repo"
    try:
        shutil.copytree(
            common.REPO,
            repo,
            symlinks=True,
            ignore=shutil.ignore_patterns(
                ".git", ".venv", "node_modules", ".run", ".tools", "__pycache__", "results", ".*_cache"
            ),
        )
        (repo / ".venv").symlink_to(common.REPO / ".venv")
        (repo / "node_modules").symlink_to(common.REPO / "node_modules")
        models = repo / "tenant_apps" / "workspace" / "models.py"
        models.write_text(models.read_text() + FIELD_LINE)
        manage("makemigrations", "workspace", "--name", "bench_one_column", repo=repo)
        made = sorted((repo / "tenant_apps" / "workspace" / "migrations").glob("*_bench_one_column.py"))
        if not made:
            raise RuntimeError("makemigrations made no migration in the copy")
        yield repo
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def one_column(*, executor: str | None = None) -> dict:
    """Apply the one-column migration to every schema, then revert it. Returns both wall times."""
    previous = _leaf("workspace")
    settings_module = "config.settings" if executor is None else "bench.stock_settings"
    extra = () if executor is None else ("--executor", executor)
    with one_column_copy() as repo:
        forward, out = manage("migrate_schemas", "--noinput", *extra, repo=repo, settings_module=settings_module)
        backward, _out = manage(
            "migrate_schemas", "workspace", previous, "--noinput", *extra, repo=repo, settings_module=settings_module
        )
    return {"apply_s": round(forward, 2), "revert_s": round(backward, 2), "skipping": _skipping_line(out)}


def schemas_behind() -> int:
    from tenants.migration import _extra_schemas, schemas_needing_migration
    from tenants.models import Store

    schemas = [*_extra_schemas(), *Store.objects.stores().values_list("schema_name", flat=True)]
    return len(schemas_needing_migration(schemas))


def set_store_count(target: int) -> dict:
    """Grow or shrink to ``target`` stores, then refill the spare pool as production keeps it."""
    from tenants.provisioning import refill_spares

    shrink = common.store_count() > target
    done = {"dropped": common.trim_stores(target)} if shrink else common.ensure_stores(target)
    refill_spares()
    return done


def run(stores: int, compare: int, repeats: int, reset: bool, skip_column: bool) -> dict:
    from tenants.provisioning import refill_spares

    common.prepare(reset=reset)
    refill_spares()
    results: dict = {"population": []}
    rows = []
    if compare:
        print(f"\n{compare} stores: project executor vs django-tenants' own", flush=True)
        results["population"].append({"to": compare, **set_store_count(compare)})
        cmp: dict = {"stores": common.store_count()}
        seconds, line = migrate_noop()
        cmp["noop_skipping_s"] = round(seconds, 2)
        rows.append([cmp["stores"], "nothing to apply", "project (skipping)", f"{seconds:.1f}", line])
        for executor in ("standard", "multiprocessing"):
            seconds, _line = migrate_noop(executor=executor)
            cmp[f"noop_{executor}_s"] = round(seconds, 2)
            rows.append([cmp["stores"], "nothing to apply", f"django-tenants {executor}", f"{seconds:.1f}", ""])
            print(f"  nothing to apply, {executor}: {seconds:.1f} s", flush=True)
        if not skip_column:
            for executor in (None, "standard"):
                label = "project (skipping)" if executor is None else f"django-tenants {executor}"
                column = one_column(executor=executor)
                cmp[f"one_column_{executor or 'skipping'}"] = column
                rows.append([cmp["stores"], "one column: apply", label, f"{column['apply_s']:.1f}", ""])
                rows.append([cmp["stores"], "one column: revert", label, f"{column['revert_s']:.1f}", ""])
                print(f"  one column, {label}: apply {column['apply_s']} s, revert {column['revert_s']} s", flush=True)
        results["compare"] = cmp

    print(f"\n{stores} stores", flush=True)
    results["population"].append({"to": stores, **set_store_count(stores)})
    main: dict = {"stores": common.store_count()}
    runs = []
    for _ in range(repeats):
        seconds, line = migrate_noop()
        runs.append(seconds)
        print(f"  nothing to apply: {seconds:.1f} s ({line})", flush=True)
    main["noop_runs_s"] = [round(s, 2) for s in runs]
    main["noop_median_s"] = round(statistics.median(runs), 2)
    rows.append([main["stores"], "nothing to apply", "project (skipping)", f"{main['noop_median_s']:.1f}", line])
    if not skip_column:
        column = one_column()
        main["one_column"] = column
        rows.append([main["stores"], "one column: apply", "project (skipping)", f"{column['apply_s']:.1f}", ""])
        rows.append([main["stores"], "one column: revert", "project (skipping)", f"{column['revert_s']:.1f}", ""])
        print(f"  one column: apply {column['apply_s']} s, revert {column['revert_s']} s", flush=True)
    main["schemas_behind_after"] = schemas_behind()
    results["main"] = main
    print("\nmigrate_schemas --noinput, wall time of the whole command (s); one-column = a field added to")
    print(
        "workspace.Channel in a throw-away copy, applied to every schema (stores + template + spares), then reverted\n"
    )
    common.print_table(["stores", "migration", "executor", "seconds", "note"], rows)
    print(f"\nschemas not up to date afterwards: {main['schemas_behind_after']}")
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench migrations", description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1000, help="stores for the main figures (default 1000)")
    parser.add_argument("--compare", type=int, default=100, help="stores for the executor comparison (0: skip)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the nothing-to-apply case (default 3)")
    parser.add_argument("--no-column", action="store_true", help="skip the one-column migration")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    common.setup_django()
    results = run(args.stores, args.compare, args.repeats, args.reset, args.no_column)
    common.write_results("migrations", results)
    return 0
