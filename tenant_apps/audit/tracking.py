"""The action log's triggers, declared by each store app with its own models:

    class Meta:
        triggers = tracked()

Three statement-level AFTER triggers per table (one per operation: PostgreSQL gives transition
tables only to single-event triggers) insert one ``audit_actionentry`` row per inserted, changed
or deleted record, in the writing statement's transaction: ``object_type`` is the model's label
(``customers.customer``), ``object_id`` its primary key, ``changes`` ``{column: [old, new]}`` as
JSON (``null`` for the side that does not exist; an insert lists its non-null columns, a delete
what the row held). An update that changed only ``ignore``d columns leaves no row. Who acted comes
from the session's ``crm.action`` (``shared_apps.platform.actionlog``), read by ``audit_context()``
(this app's first migration).

The triggers catch every write path (services, ``QuerySet.update()``, ``bulk_create``, raw SQL,
imports, jobs, HQ), which is why the log is kept by the database and not by the application.
"""

from __future__ import annotations

import pgtrigger

from shared_apps.platform.journals import ROWS

COLUMNS = "(at, actor_id, actor, ip, source, request_id, action, object_type, object_id, changes)"
CONTEXT = "c.at, c.actor_id, c.actor, c.ip, c.source, c.request_id"


def _ignored(ignore: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{name}'" for name in ignore) + "]::text[]" if ignore else "ARRAY[]::text[]"


def _one_side(action: str, rows: str, old: bool, ignore: tuple[str, ...]) -> str:
    pair = "jsonb_build_array(e.value, NULL)" if old else "jsonb_build_array(NULL, e.value)"
    return f"""INSERT INTO audit_actionentry {COLUMNS}
    SELECT {CONTEXT}, '{action}', '{{meta.app_label}}.{{meta.model_name}}', r.{{meta.pk.column}}::text,
        COALESCE(
            (SELECT jsonb_object_agg(e.key, {pair})
             FROM jsonb_each(to_jsonb(r) - {_ignored(ignore)}) e WHERE e.value <> 'null'::jsonb),
            jsonb_build_object())
    FROM {rows} r CROSS JOIN audit_context() c;
RETURN NULL;"""


def _update(ignore: tuple[str, ...]) -> str:
    return f"""INSERT INTO audit_actionentry {COLUMNS}
    SELECT {CONTEXT}, 'update', '{{meta.app_label}}.{{meta.model_name}}', j.id, d.changes
    FROM new_rows n JOIN old_rows o ON o.{{meta.pk.column}} = n.{{meta.pk.column}}
    CROSS JOIN LATERAL (SELECT n.{{meta.pk.column}}::text AS id, to_jsonb(n) AS nj, to_jsonb(o) AS oj) j
    CROSS JOIN LATERAL (
        SELECT jsonb_object_agg(e.key, jsonb_build_array(e.value, j.nj -> e.key)) AS changes
        FROM jsonb_each(j.oj - {_ignored(ignore)}) e WHERE e.value IS DISTINCT FROM j.nj -> e.key
    ) d
    CROSS JOIN audit_context() c
    WHERE d.changes IS NOT NULL;
RETURN NULL;"""


def tracked(*, ignore: tuple[str, ...] = ("updated_at",)) -> list[pgtrigger.Trigger]:
    """The action-log triggers of a model (``ignore``: columns whose changes alone are not logged)."""

    def trigger(name: str, operation, func: str) -> pgtrigger.Trigger:
        return pgtrigger.Trigger(
            name=name,
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=operation,
            referencing=ROWS[str(operation)],
            func=pgtrigger.Func(func),
        )

    return [
        trigger("audit_insert", pgtrigger.Insert, _one_side("create", "new_rows", False, ignore)),
        trigger("audit_update", pgtrigger.Update, _update(ignore)),
        trigger("audit_delete", pgtrigger.Delete, _one_side("delete", "old_rows", True, ignore)),
    ]
