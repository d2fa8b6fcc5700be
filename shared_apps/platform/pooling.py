"""Refuse to run behind a connection pooler in transaction (or statement) mode.

django-tenants selects a store by ``SET search_path`` on the database session, once per request,
and later statements rely on it. A pooler in transaction mode (PgBouncer ``pool_mode =
transaction``, RDS Proxy) hands the server connection to another client after every transaction,
so one store's ``search_path`` ends up under another store's queries.

Two guards, both at start:

- ``DATABASE_POOL_MODE`` (``direct``, the default, or ``session``) says what sits in front of the
  database; ``transaction`` or ``statement`` is refused by a system check (``platform.E001``).
- A probe on the first connection of every process (web worker, Celery worker, management
  command): two client connections of its own, the first runs one statement and lets go of it, the
  second opens a transaction. A direct connection or a session pooler gives each client its own
  server backend; a transaction pooler gives the second client the backend the first one just
  released (PgBouncer reuses the most recently used server connection first), or moves the first
  client to another backend between its statements. Either is detected and the process stops with
  ``TransactionPoolingDetected`` (an ``ImproperlyConfigured``) before it serves anything.
"""

from __future__ import annotations

import threading

from django.core.exceptions import ImproperlyConfigured

SAFE_MODES = ("direct", "session")
UNSAFE_MODES = ("transaction", "statement")
PROBE_ROUNDS = 3

REFUSAL = (
    "Database {alias!r} is behind a connection pooler in transaction mode: {evidence}. "
    "Stores are selected by the session's search_path, so under transaction pooling one store's "
    "queries can run in another store's schema. Use PgBouncer with pool_mode = session, or connect "
    "to PostgreSQL directly (deploy/README.md, 'Connection pooling')."
)


class TransactionPoolingDetected(ImproperlyConfigured):
    pass


def _connect(settings_dict: dict, *, autocommit: bool):
    import psycopg

    options = settings_dict.get("OPTIONS") or {}
    params = {
        "dbname": settings_dict.get("NAME") or "postgres",
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "application_name": "storecrm-pool-probe",
        "connect_timeout": 10,
    }
    if options.get("sslmode"):
        params["sslmode"] = options["sslmode"]
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=autocommit)


def probe(settings_dict: dict) -> str | None:
    """None when every client keeps its own server backend; otherwise what shows the sharing."""
    first = _connect(settings_dict, autocommit=True)
    try:
        pid = first.execute("SELECT pg_backend_pid()").fetchone()[0]
        for _round in range(PROBE_ROUNDS):
            second = _connect(settings_dict, autocommit=False)
            try:
                other = second.execute("SELECT pg_backend_pid()").fetchone()[0]
                again = first.execute("SELECT pg_backend_pid()").fetchone()[0]
            finally:
                second.close()
            if other == pid:
                return f"two client connections ran on one server backend (pid {pid})"
            if again != pid:
                return f"one client connection moved from server backend {pid} to {again} between statements"
    finally:
        first.close()
    return None


_checked: set[str] = set()
_lock = threading.Lock()


def refuse_transaction_pooling(alias: str, settings_dict: dict) -> None:
    """Probe ``alias`` once per process; raise TransactionPoolingDetected when it is pooled per transaction."""
    with _lock:
        if alias in _checked:
            return
        evidence = probe(settings_dict)
        if evidence is not None:
            raise TransactionPoolingDetected(REFUSAL.format(alias=alias, evidence=evidence))
        _checked.add(alias)


def on_connection_created(sender, connection, **kwargs) -> None:
    from django.conf import settings

    if not getattr(settings, "DATABASE_POOL_PROBE", True):
        return
    if connection.alias in _checked:
        return
    try:
        refuse_transaction_pooling(connection.alias, connection.settings_dict)
    except TransactionPoolingDetected:
        connection.close()  # every later use connects again and is refused again
        raise


def check_pool_mode(app_configs=None, databases=None, **kwargs):
    """System check: ``DATABASE_POOL_MODE`` must be a mode under which stores stay apart."""
    from django.conf import settings
    from django.core.checks import Error

    mode = getattr(settings, "DATABASE_POOL_MODE", "direct")
    if mode in SAFE_MODES:
        return []
    if mode in UNSAFE_MODES:
        hint = "Set PgBouncer's pool_mode = session and DATABASE_POOL_MODE=session (deploy/README.md)."
        msg = f"DATABASE_POOL_MODE={mode}: stores are selected per session (search_path); {mode} pooling mixes them."
    else:
        hint = f"Use one of: {', '.join(SAFE_MODES)}."
        msg = f"DATABASE_POOL_MODE={mode!r} is not a known pool mode."
    return [Error(msg, hint=hint, id="platform.E001")]


def check_pool_probe(app_configs=None, databases=None, **kwargs):
    """System check with the database (``check --database default``, ``migrate``): run the probe."""
    from django.conf import settings
    from django.core.checks import Error
    from django.db import connections
    from psycopg import DatabaseError

    errors = []
    for alias in databases or ():
        if alias not in settings.DATABASES:
            continue
        try:
            evidence = probe(connections[alias].settings_dict)
        except DatabaseError:  # unreachable: Django's own checks and the first query say so
            continue
        if evidence is not None:
            errors.append(Error(REFUSAL.format(alias=alias, evidence=evidence), id="platform.E002"))
    return errors
