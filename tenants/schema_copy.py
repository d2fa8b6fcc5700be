"""Copy the template schema into a new one by replaying its DDL, inside the caller's transaction.

django-tenants' ``clone_schema`` walks the catalogs table by table from PL/pgSQL (columns,
defaults, constraints, indexes, triggers, functions, views), and its catalog queries cost more
with every schema already in the database: about 5 s for a store at one store, 12 s at sixty, and
over a minute at a few hundred on a server whose catalogs were not analysed. Provisioning a
thousand stores that way takes hours.

Here the template's structure is read once by ``pg_dump`` (PostgreSQL's own, exact description of
every object in the schema; its pre-data and post-data sections), the template's name is replaced
by the new one, and the text is run as statement batches in the current transaction: a few hundred
milliseconds, flat however many schemas exist, because PostgreSQL resolves each name through its
indexed system caches. As in a restore, the template's rows (its ``django_migrations`` above all)
are copied between the two sections, before the indexes and triggers exist, and the sequences
are set to where the template's stand.

The DDL is kept per process and read again when the template changes: its fingerprint is the
migrations it has applied and the objects it holds (see ``_fingerprint``). Without a usable
``pg_dump`` of the server's major version (``shared_apps.platform.pgtools``) the copy falls back to
``clone_schema``.

``clone_schema`` also loses the names of unique constraints: it recreates each one under
PostgreSQL's default name (``automation_rulerun_rule_id_occurrence_key`` for the declared
``automation_run_once_per_occurrence``), so a later migration that alters or drops the constraint
by its declared name would fail in that store. ``repair_constraint_names`` gives a schema's
constraints back the template's names; the fallback runs it after cloning, and a store migration
(workspace 00xx_repair_cloned_constraint_names) runs it once in every store made before.
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
from dataclasses import dataclass

from django.db import connection
from django_tenants.clone import CloneSchema

from shared_apps.platform import pgtools

logger = logging.getLogger(__name__)

# psql meta-commands and session settings in pg_dump's output: the batch runs in a transaction that
# Django owns, whose search_path must stay as it is.
_SKIPPED_LINE = re.compile(r"^(\\|SET |SELECT pg_catalog\.set_config\()")


@dataclass(frozen=True)
class TemplateCopy:
    fingerprint: tuple
    tables_ddl: str  # pg_dump's pre-data section: types, functions, tables, sequences, views
    rest_ddl: str  # its post-data section: constraints, indexes, triggers (after the rows)
    tables: tuple[tuple[str, str], ...]  # (table, its column list) for the rows to copy
    sequences: tuple[str, ...]


_cache: dict[str, TemplateCopy] = {}
_lock = threading.Lock()


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _fingerprint(schema: str) -> tuple:
    """What the template holds, cheaply: its migrations and the counts and newest ids of its objects."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = n.oid),
                   (SELECT max(oid::int8) FROM pg_class WHERE relnamespace = n.oid),
                   (SELECT count(*) FROM pg_proc WHERE pronamespace = n.oid),
                   (SELECT max(oid::int8) FROM pg_proc WHERE pronamespace = n.oid),
                   (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                     WHERE c.relnamespace = n.oid)
            FROM pg_namespace n WHERE n.nspname = %s
            """,
            [schema],
        )
        objects = cursor.fetchone()
        cursor.execute(f"SELECT count(*), max(id) FROM {_q(schema)}.django_migrations")
        return (*objects, *cursor.fetchone())


def _dump_ddl(schema: str, section: str) -> str:
    tools = pgtools.find_tools()
    out = subprocess.run(  # noqa: S603 - PostgreSQL's own program, arguments built here
        [tools.path("pg_dump"), f"--section={section}", "--no-owner", "--no-privileges", f"--schema={schema}"],
        env=pgtools.connection_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if out.returncode != 0:
        raise pgtools.ToolsNotFound(f"pg_dump of {schema} failed: {out.stderr.strip()[:500]}")
    lines = [line for line in out.stdout.splitlines() if not _SKIPPED_LINE.match(line)]
    return "\n".join(lines)


def _contents(schema: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The template's tables that hold rows (with their stored columns), and its sequences."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname,
                   string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                AND a.attgenerated = ''
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
            GROUP BY c.relname ORDER BY c.relname
            """,
            [schema],
        )
        columns = cursor.fetchall()
        filled = []
        for table, column_list in columns:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(schema)}.{_q(table)})")
            if cursor.fetchone()[0]:
                filled.append((table, column_list))
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s ORDER BY 1", [schema])
        sequences = tuple(row[0] for row in cursor.fetchall())
    return tuple(filled), sequences


def template_copy(schema: str) -> TemplateCopy:
    """The template's DDL and contents, read again only when its fingerprint changed."""
    fingerprint = _fingerprint(schema)
    with _lock:
        cached = _cache.get(schema)
        if cached is not None and cached.fingerprint == fingerprint:
            return cached
        tables_ddl, rest_ddl = _dump_ddl(schema, "pre-data"), _dump_ddl(schema, "post-data")
        tables, sequences = _contents(schema)
        copy = TemplateCopy(
            fingerprint=fingerprint, tables_ddl=tables_ddl, rest_ddl=rest_ddl, tables=tables, sequences=sequences
        )
        _cache[schema] = copy
        return copy


def _renamed(ddl: str, source: str, target: str) -> str:
    # pg_dump writes the schema's name as an identifier (quoted only when it must be); neither
    # name may need quoting here (both are lower-case words, see tenants.routing).
    return re.sub(rf"(?<![\w$]){re.escape(source)}(?![\w$])", target, ddl)


def copy_schema(source: str, target: str) -> str:
    """Create ``target`` as a copy of ``source`` in the current transaction. Returns "ddl" or "clone"."""
    connection.set_schema_to_public()
    try:
        copy = template_copy(source)
    except (pgtools.ToolsNotFound, OSError, subprocess.SubprocessError) as exc:
        logger.warning("copying schema %s by clone_schema: %s", source, exc)
        CloneSchema().clone_schema(source, target, "DATA", set_connection=True)
        repair_constraint_names(target, template=source)
        return "clone"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL check_function_bodies = false")
        cursor.execute(_renamed(copy.tables_ddl, source, target))
        # The rows go in before the indexes, constraints and triggers exist, as a restore does:
        # the template's rows are not new events for the store's triggers to record.
        for table, column_list in copy.tables:
            cursor.execute(
                f"INSERT INTO {_q(target)}.{_q(table)} ({column_list}) OVERRIDING SYSTEM VALUE "
                f"SELECT {column_list} FROM {_q(source)}.{_q(table)}"
            )
        for sequence in copy.sequences:
            cursor.execute(
                "SELECT setval(%s::regclass, last_value, is_called) FROM " + f"{_q(source)}.{_q(sequence)}",
                [f"{_q(target)}.{_q(sequence)}"],
            )
        cursor.execute(_renamed(copy.rest_ddl, source, target))
        cursor.execute("RESET check_function_bodies")
    return "ddl"


def repair_constraint_names(schema: str, *, template: str) -> list[tuple[str, str, str]]:
    """Rename ``schema``'s constraints that the template holds under another name, on the same table
    with the same definition, where ``schema`` has no constraint of that name. Returns the
    (table, old name, new name) renamed."""
    if schema == template:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH theirs AS (
                SELECT c.relname AS tbl, k.conname, k.contype, pg_get_constraintdef(k.oid) AS def
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                WHERE k.connamespace = %(template)s::regnamespace
            ), ours AS (
                SELECT c.relname AS tbl, k.conname, k.contype, pg_get_constraintdef(k.oid) AS def
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                WHERE k.connamespace = %(schema)s::regnamespace
            )
            SELECT DISTINCT ON (o.tbl, o.conname) o.tbl, o.conname, t.conname
            FROM ours o
            JOIN theirs t ON t.tbl = o.tbl AND t.contype = o.contype AND t.def = o.def AND t.conname <> o.conname
            WHERE NOT EXISTS (SELECT 1 FROM ours x WHERE x.tbl = o.tbl AND x.conname = t.conname)
              AND NOT EXISTS (SELECT 1 FROM theirs y WHERE y.tbl = o.tbl AND y.conname = o.conname)
            ORDER BY o.tbl, o.conname, t.conname
            """,
            {"schema": schema, "template": template},
        )
        renames = [tuple(row) for row in cursor.fetchall()]
        for table, old, new in renames:
            cursor.execute(f"ALTER TABLE {_q(schema)}.{_q(table)} RENAME CONSTRAINT {_q(old)} TO {_q(new)}")
    if renames:
        logger.info("schema %s: constraints renamed to the template's names: %s", schema, renames)
    return renames
