"""Writes of the action log that are not row changes: sign-ins, the retention purge, and the
anonymisation of a person's values when their personal data is erased."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from shared_apps.platform import actionlog
from shared_apps.platform.clientip import client_ip
from tenant_apps.audit.models import ActionEntry, SignIn


def sign_in_values(*, request, email: str, user_id: int | None, succeeded: bool, method: str) -> dict:
    """The fields of a sign-in record (a store's ``SignIn`` or the HQ host's ``HqSignIn``)."""
    return {
        "at": timezone.now(),
        "user_id": user_id,
        "email": email[:254],
        "succeeded": succeeded,
        "ip": client_ip(request) or None,
        "user_agent": request.headers.get("User-Agent", "")[:300],
        "method": method,
    }


def record_sign_in(*, request, email: str, user_id: int | None, succeeded: bool, method: str) -> SignIn:
    return SignIn.objects.create(
        **sign_in_values(request=request, email=email, user_id=user_id, succeeded=succeeded, method=method)
    )


def record_event(*, action: str, object_type: str, object_id) -> ActionEntry:
    """An entry that is not a row change (a personal-data export, an erasure), as the acting context's."""
    context = actionlog.current()
    return ActionEntry.objects.create(
        at=timezone.now(),
        actor_id=context.actor_id if context else None,
        actor=context.actor if context else "",
        ip=(context.ip or None) if context else None,
        source=context.source if context else "database",
        request_id=context.request_id if context else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes={},
    )


def purge(*, at: datetime) -> dict:
    """Delete entries and sign-ins older than ``AUDIT_RETENTION_DAYS`` before ``at``."""
    before = at - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    with transaction.atomic():
        entries, _ = ActionEntry.objects.filter(at__lt=before).delete()
        sign_ins, _ = SignIn.objects.filter(at__lt=before).delete()
    return {"entries": entries, "sign_ins": sign_ins}


def anonymise(*, object_type: str, object_ids, fields, placeholder: str) -> int:
    """Replace both sides of ``fields`` in the changes recorded for these records with
    ``placeholder`` (when the side held a value). Returns the number of entries rewritten."""
    ids = [str(object_id) for object_id in object_ids]
    fields = list(fields)
    if not ids or not fields:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE audit_actionentry a SET changes = a.changes || (
                SELECT jsonb_object_agg(
                    e.key,
                    (SELECT jsonb_agg(CASE WHEN v = 'null'::jsonb OR v = '""'::jsonb THEN v ELSE to_jsonb(%s::text) END
                                      ORDER BY i)
                     FROM jsonb_array_elements(e.value) WITH ORDINALITY AS s (v, i)))
                FROM jsonb_each(a.changes) e WHERE e.key = ANY(%s)
            )
            WHERE a.object_type = %s AND a.object_id = ANY(%s) AND a.changes ?| %s
            """,
            [placeholder, fields, object_type, ids, fields],
        )
        return cursor.rowcount
