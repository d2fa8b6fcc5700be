"""Who is writing: the context the action log's triggers record with every change of a store.

The store apps' tracked tables carry statement-level triggers (``tenant_apps.audit.tracking``)
that write one action-log row per changed record, whoever writes: services, ``update()``,
``bulk_create``, raw SQL, imports, jobs, HQ. The triggers cannot see the request, so the
application tells the database session who is acting: a small JSON document (actor id and label,
client address, source, request id, time) in the session setting ``crm.action``, read by the
triggers through ``current_setting('crm.action', true)``.

The setting is written when a context is entered and written back when it is left
(``action_context``), not per statement: one ``set_config`` per request or job. It is
session-level, so a context entered outside a transaction holds until it is left; one entered
inside a transaction is rolled back with it, and is left before that anyway (contexts nest inside
the blocks that open them). A connection opened while a context is active (the worker closing
stale connections between tasks) gets it at once (``connection_created``).

Without a context (``psql``, a migration) the triggers still record the change, with the source
``database`` and no actor.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.utils import timezone

GUC = "crm.action"


@dataclass(frozen=True)
class ActionContext:
    source: str  # request, hq, job, import, task
    actor_id: int | None = None
    actor: str = ""
    ip: str = ""
    request_id: str = ""
    at: datetime | None = None

    def to_json(self) -> str:
        body = asdict(self)
        body["at"] = (self.at or timezone.now()).isoformat()
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


action_var: contextvars.ContextVar[str] = contextvars.ContextVar("crm_action", default="")


def current() -> ActionContext | None:
    text = action_var.get()
    if not text:
        return None
    body = json.loads(text)
    body["at"] = datetime.fromisoformat(body["at"]) if body.get("at") else None
    return ActionContext(**body)


def apply(conn=None) -> None:
    """Write the active context into the database session, when connected and not there yet."""
    conn = conn or connection
    if conn.connection is None or conn.vendor != "postgresql":
        return
    value = action_var.get()
    if getattr(conn, "_crm_action", None) == value:
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [GUC, value])
    conn._crm_action = value


def _on_connect(sender, connection, **kwargs) -> None:
    connection._crm_action = None
    apply(connection)


connection_created.connect(_on_connect, dispatch_uid="platform.actionlog")


@contextlib.contextmanager
def action_context(context: ActionContext | None) -> Iterator[None]:
    """Writes inside the block are recorded as ``context``'s (``None``: as nobody's)."""
    token = action_var.set(context.to_json() if context is not None else "")
    apply()
    try:
        yield
    finally:
        action_var.reset(token)
        with contextlib.suppress(Exception):  # a broken connection is reset on its next use
            apply()


@contextlib.contextmanager
def acting_as(**changes) -> Iterator[None]:
    """The active context with some fields changed (an import keeps its uploader, as ``import``)."""
    base = current() or ActionContext(source=changes.get("source", "task"))
    with action_context(replace(base, **changes)):
        yield


def _valid_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def request_context(request, *, source: str) -> ActionContext:
    from shared_apps.platform.clientip import client_ip
    from shared_apps.platform.observability import request_id_var

    user = getattr(request, "user", None)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    return ActionContext(
        source=source,
        actor_id=user.pk if signed_in else None,
        actor=(user.email or "") if signed_in else "",
        ip=_valid_ip(client_ip(request)),
        request_id=request_id_var.get(),
        at=timezone.now(),
    )


class ActionContextMiddleware:
    """Every request acts as its signed-in user (session or bearer token, both known by now) from
    its client address. Requests on the HQ host, which reach into store schemas for HQ's own
    actions, are recorded with the source ``hq``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        on_hq = tenant is None or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME
        with action_context(request_context(request, source="hq" if on_hq else "request")):
            return self.get_response(request)
