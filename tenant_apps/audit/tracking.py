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


# Large statements: the planner knows nothing of transition tables' contents and would JIT-compile
# the insert for an estimate of millions of rows (600 ms for 20,000 updated rows); the triggers turn
# JIT off for their own statement and give the setting back as it was.
JIT_OFF = "jit_was := current_setting('jit');\nPERFORM set_config('jit', 'off', true);\n"
JIT_BACK = "PERFORM set_config('jit', jit_was, true);\nRETURN NULL;"


def _one_side(action: str, rows: str, old: bool, ignore: tuple[str, ...]) -> str:
    pair = "jsonb_build_array(e.value, NULL)" if old else "jsonb_build_array(NULL, e.value)"
    return f"""{JIT_OFF}INSERT INTO audit_actionentry {COLUMNS}
    SELECT {CONTEXT}, '{action}', '{{meta.app_label}}.{{meta.model_name}}', r.{{meta.pk.column}}::text,
        COALESCE(
            (SELECT jsonb_object_agg(e.key, {pair})
             FROM jsonb_each(to_jsonb(r) - {_ignored(ignore)}) e WHERE e.value <> 'null'::jsonb),
            jsonb_build_object())
    FROM {rows} r CROSS JOIN audit_context() c;
{JIT_BACK}"""


def _update(ignore: tuple[str, ...]) -> str:
    # Each row's JSON is made once and each diff once (materialised CTEs), not once per compared key
    # and again for the filter.
    return f"""{JIT_OFF}WITH pairs AS MATERIALIZED (
        SELECT n.{{meta.pk.column}}::text AS id, to_jsonb(n) AS nj, to_jsonb(o) - {_ignored(ignore)} AS oj
        FROM new_rows n JOIN old_rows o ON o.{{meta.pk.column}} = n.{{meta.pk.column}}
    ), diffs AS MATERIALIZED (
        SELECT p.id, (
            SELECT jsonb_object_agg(e.key, jsonb_build_array(e.value, p.nj -> e.key))
            FROM jsonb_each(p.oj) e WHERE e.value IS DISTINCT FROM p.nj -> e.key
        ) AS changes
        FROM pairs p
    )
    INSERT INTO audit_actionentry {COLUMNS}
    SELECT {CONTEXT}, 'update', '{{meta.app_label}}.{{meta.model_name}}', d.id, d.changes
    FROM diffs d CROSS JOIN audit_context() c
    WHERE d.changes IS NOT NULL;
{JIT_BACK}"""


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
            declare=[("jit_was", "text")],
        )

    return [
        trigger("audit_insert", pgtrigger.Insert, _one_side("create", "new_rows", False, ignore)),
        trigger("audit_update", pgtrigger.Update, _update(ignore)),
        trigger("audit_delete", pgtrigger.Delete, _one_side("delete", "old_rows", True, ignore)),
    ]
