"""Work to do after a commit, in the store whose transaction it was.

``transaction.on_commit`` runs its callbacks when the outermost transaction commits, in whatever
schema the connection is in by then. A transaction that spans several stores (the demo seeder
makes every store in one) has left the store that registered a callback long before the commit,
so a callback that reads the current store (notifications, task headers, signals) would run in
another schema. ``after_commit`` runs the callback back in the store (tenant) that was active when
it was registered.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction
from django_tenants.utils import schema_context, tenant_context


def in_this_store(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn``, to be called later in the schema active now (its store's tenant when there is one).
    The wrapper's ``key`` is ``(fn, schema)``."""
    schema = connection.schema_name
    tenant = getattr(connection, "tenant", None)

    def run() -> object:
        if connection.schema_name == schema:
            return fn()
        own = tenant is not None and getattr(tenant, "schema_name", None) == schema
        scope = tenant_context(tenant) if own else schema_context(schema)
        with scope:
            return fn()

    run.key = (fn, schema)  # type: ignore[attr-defined]
    return run


def after_commit(fn: Callable[[], object], *, robust: bool = False) -> None:
    """``transaction.on_commit(fn)``, run in the store active now (see the module)."""
    transaction.on_commit(in_this_store(fn), robust=robust)
