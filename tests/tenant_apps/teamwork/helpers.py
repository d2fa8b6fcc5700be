"""Helpers of the team-work tests (announcements, work assignments, daily reports)."""

from __future__ import annotations


def notifications_of(user, kind: str | None = None):
    """The user's notifications in the ACTIVE store schema."""
    from tenant_apps.notifications.models import Notification

    qs = Notification.objects.filter(recipient_id=user.pk)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("created_at", "id"))


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]
