"""Database servers the scale-out runs start for themselves: PgBouncer in front of a PostgreSQL,
and a PostgreSQL primary with a real streaming replica.

Both come from the machine's Debian packages (``pgbouncer``, ``postgresql-15``); PostgreSQL and
PgBouncer refuse to run as root, so as root they run as the ``postgres`` user. Each server is a
context manager that stops its process (by its own pid) and removes its files on the way out.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

PGBOUNCER = os.environ.get("PGBOUNCER_BIN") or shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
PG_BIN = Path(os.environ.get("PG15_BIN", "/usr/lib/postgresql/15/bin"))
REPO = Path(__file__).resolve().parent.parent


def pgbouncer_missing() -> str | None:
    if not os.path.exists(PGBOUNCER):
        return f"PgBouncer not found ({PGBOUNCER}): apt-get install -y pgbouncer"
    return None


def postgres_missing() -> str | None:
    for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres"):
        if not (PG_BIN / name).exists():
            return f"PostgreSQL binaries not found in {PG_BIN} ({name}): apt-get install -y postgresql-15"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as(user: str = "postgres") -> dict:
    """As root: Popen arguments that run a server as ``user`` (both refuse root). Otherwise none."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(user)
    env = {**os.environ, "HOME": entry.pw_dir}
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [], "env": env}


def _own(path: Path, user: str = "postgres") -> None:
    as_postgres = _run_as(user)
    if as_postgres:
        uid, gid = as_postgres["user"], as_postgres["group"]
        for root, dirs, files in os.walk(path):
            os.chown(root, uid, gid)
            for name in dirs + files:
                os.chown(os.path.join(root, name), uid, gid)


def _wait_for_port(port: int, process: subprocess.Popen | None = None, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def url_with(url: str, *, port: int, host: str = "127.0.0.1") -> str:
    """``url`` pointed at ``host:port`` (a Unix-socket ``?host=`` of the original is dropped)."""
    parts = urlparse(url)
    user = parts.username or "postgres"
    auth = f"{user}:{parts.password}@" if parts.password else f"{user}@"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "host"])
    return urlunparse(parts._replace(netloc=f"{auth}{host}:{port}", query=query))


def socket_dir_of(url: str) -> str | None:
    """The Unix-socket folder ``url`` reaches its server through (``?host=/dir``, as the embedded
    PostgreSQL's URL has), or None for a TCP server."""
    parts = urlparse(url)
    host = dict(parse_qsl(parts.query)).get("host") or parts.hostname or ""
    return host if host.startswith("/") else None


@dataclass
class PgBouncer:
    url: str
    port: int
    mode: str
    process: subprocess.Popen
    folder: Path

    def admin(self, command: str) -> list[list[str]]:
        """A command on PgBouncer's admin console (``SHOW POOLS``...), through psql (the console
        speaks the simple query protocol only)."""
        out = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "pgbouncer",
                "-AtF",
                "|",
                "-c",
                command,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [line.split("|") for line in out.splitlines() if line]


@contextlib.contextmanager
def pgbouncer(
    database_url: str, *, mode: str = "session", pool_size: int = 20, folder: Path | None = None
) -> Iterator[PgBouncer]:
    """PgBouncer in ``mode`` (session or transaction) in front of ``database_url``'s server, any
    database name passed through; yields the same URL on PgBouncer's port.

    A server reached through a Unix socket (the embedded PostgreSQL) is reached the same way, with
    PgBouncer running as the owner of the socket's folder (as root; the folder is private to it)."""
    missing = pgbouncer_missing()
    if missing:
        raise RuntimeError(missing)
    target = urlparse(database_url)
    port = free_port()
    folder = Path(folder or tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.mkdir(parents=True, exist_ok=True)
    user = target.username or "postgres"
    socket_dir = socket_dir_of(database_url)
    server_host = socket_dir or target.hostname or "127.0.0.1"
    runs_as = Path(socket_dir).owner() if socket_dir and os.geteuid() == 0 else "postgres"
    (folder / "users.txt").write_text(f'"{user}" ""\n"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={server_host} port={target.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
admin_users = postgres
pool_mode = {mode}
default_pool_size = {pool_size}
max_client_conn = 1000
max_db_connections = 0
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
"""
    )
    _own(folder, runs_as)
    log = open(folder / "pgbouncer.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [PGBOUNCER, str(folder / "pgbouncer.ini")],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        **_run_as(runs_as),
    )
    try:
        _wait_for_port(port, process)
        yield PgBouncer(url=url_with(database_url, port=port), port=port, mode=mode, process=process, folder=folder)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # PgBouncer: immediate shutdown
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(15)
        log.close()


@dataclass
class ReplicatedPair:
    primary_url: str
    replica_url: str
    folder: Path


def _pg(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        check=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        **_run_as(),
    )


@contextlib.contextmanager
def streaming_replica(database: str = "postgres") -> Iterator[ReplicatedPair]:
    """A fresh PostgreSQL primary (initdb) and a hot standby streaming from it (pg_basebackup -R),
    each on a free loopback port, in a temporary folder; yields their URLs for ``database``."""
    missing = postgres_missing()
    if missing:
        raise RuntimeError(missing)
    folder = Path(tempfile.mkdtemp(prefix="pg-pair-"))
    _own(folder)
    primary, replica = folder / "primary", folder / "replica"
    primary_port, replica_port = free_port(), free_port()
    started: list[Path] = []
    try:
        _pg([str(PG_BIN / "initdb"), "-D", str(primary), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 200\nshared_buffers = 64MB\n"
            )
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        _own(primary)
        _pg([str(PG_BIN / "pg_ctl"), "-D", str(primary), "-l", str(folder / "primary.log"), "-w", "start"])
        started.append(primary)
        _pg(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary_port),
                "-U",
                "postgres",
                "-D",
                str(replica),
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ]
        )
        with open(replica / "postgresql.conf", "a") as conf:
            conf.write(f"port = {replica_port}\nhot_standby = on\nhot_standby_feedback = on\n")
        _own(replica)
        _pg([str(PG_BIN / "pg_ctl"), "-D", str(replica), "-l", str(folder / "replica.log"), "-w", "start"])
        started.append(replica)
        base = f"postgresql://postgres@127.0.0.1:{{port}}/{database}"
        yield ReplicatedPair(
            primary_url=base.format(port=primary_port), replica_url=base.format(port=replica_port), folder=folder
        )
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError):
                _pg([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)
