"""Notifications about a person (``data.customer``) name them in their title and body: erasure
replaces the person's identifying values there (shared_apps.platform.personal_data)."""

from __future__ import annotations

from shared_apps.platform import personal_data
from shared_apps.platform.personal_data import Erased, Person
from tenant_apps.notifications.models import Notification


def _about(customer_ids: tuple[int, ...]):
    return Notification.objects.filter(data__customer__in=list(customer_ids))


def _erase(person: Person) -> list[Erased]:
    for notification in _about(person.customer_ids).only("pk", "title", "body"):
        Notification.objects.filter(pk=notification.pk).update(
            title=person.scrub(notification.title), body=person.scrub(notification.body)
        )
    return []


def register() -> None:
    personal_data.register("notifications", eraser=_erase)
