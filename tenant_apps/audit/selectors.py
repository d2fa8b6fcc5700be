"""Reads of the action log, newest first, with the filters of ``/api/v1/audit`` and the page."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from tenant_apps.audit.models import ActionEntry, SignIn


def entries(
    *,
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[ActionEntry]:
    """``actor``: a user id, or a label (an email, ``job:<name>``) matched exactly."""
    rows = ActionEntry.objects.all()
    if actor:
        rows = rows.filter(actor_id=int(actor)) if actor.isdigit() else rows.filter(actor__iexact=actor)
    if object_type:
        rows = rows.filter(object_type=object_type)
    if object_id:
        rows = rows.filter(object_id=object_id)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return rows.order_by("-at", "-id")


def sign_ins(
    *, email: str = "", succeeded: bool | None = None, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[SignIn]:
    return filter_sign_ins(SignIn.objects.all(), email=email, succeeded=succeeded, since=since, until=until)


def filter_sign_ins(
    rows: QuerySet,
    *,
    email: str = "",
    succeeded: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet:
    """Sign-in rows (a store's, or the HQ host's) matching the filters of ``sign_in_filters``, newest first."""
    if email:
        rows = rows.filter(email__iexact=email)
    if succeeded is not None:
        rows = rows.filter(succeeded=succeeded)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return rows.order_by("-at", "-id")


def entries_of(*, object_type: str, object_ids) -> list[dict]:
    """The entries recorded for these records, oldest first (the personal-data export)."""
    rows = ActionEntry.objects.filter(object_type=object_type, object_id__in=[str(i) for i in object_ids])
    return [
        {
            "id": row.id,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "changes": row.changes,
        }
        for row in rows.order_by("at", "id")
    ]


def object_types() -> list[str]:
    """The labels of the tracked models (those declaring the action-log triggers)."""
    from django.apps import apps

    return sorted(
        model._meta.label_lower
        for model in apps.get_models()
        if any(trigger.name == "audit_insert" for trigger in getattr(model._meta, "triggers", []))
    )
