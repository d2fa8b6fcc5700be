"""The timeline of a record (an order's, an after-sales case's): one row per step, with who took it.

A store app declares its timeline as a subclass of ``TimelineEvent``, naming the record the
timeline belongs to (``subject_field``, a foreign key the subclass declares) and redeclaring
``kind`` with its own ``Kind`` choices::

    class OrderEvent(TimelineEvent):
        class Kind(models.TextChoices): ...

        subject_field = "order"
        order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
        kind = models.CharField(max_length=20, choices=Kind.choices)

        class Meta(TimelineEvent.Meta):
            indexes = [timeline_index("order", name="orderevent_order_at")]

Services add a step with ``OrderEvent.record(order, kind=..., actor=..., at=...)``; bulk writers
(imports, demo data) build unsaved rows with ``OrderEvent.build(...)``. Rows are read in the order
they happened (``at``, then ``id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.utils import timezone


def timeline_index(subject_field: str, *, name: str) -> models.Index:
    """The index a timeline is read by: one record's steps in time order."""
    return models.Index(fields=[subject_field, "at"], name=name)


class TimelineEvent(models.Model):
    """One step of a record's timeline: what happened (``kind``), the status it moved from and to,
    who did it (None for what the system does by itself), a message, data, and when."""

    # The name of the subclass's foreign key to the record whose timeline this is.
    subject_field: ClassVar[str]
    # The subclass's ``models.TextChoices`` of kinds (its ``kind`` field's choices).
    Kind: ClassVar[type[models.TextChoices]]

    kind = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def build(
        cls,
        subject: models.Model,
        *,
        kind: str,
        actor=None,
        at: datetime | None = None,
        message: Any = "",
        data: dict | None = None,
        from_status: str = "",
        to_status: str = "",
    ) -> Self:
        """An unsaved step of ``subject``'s timeline: ``kind`` one of the subclass's kinds, ``actor``
        a user, a user id or None, ``at`` now unless given, the message cut to the column's length."""
        limit = cls._meta.get_field("message").max_length
        who = {"actor_id": actor} if actor is None or isinstance(actor, int) else {"actor": actor}
        return cls(
            **{cls.subject_field: subject},
            **who,
            kind=cls.Kind(kind),
            message=str(message or "")[:limit],
            data=data or {},
            at=at or timezone.now(),
            from_status=from_status,
            to_status=to_status,
        )

    @classmethod
    def record(cls, subject: models.Model, **step: Any) -> Self:
        """Add a step to ``subject``'s timeline (``build``'s arguments), in the caller's transaction."""
        event = cls.build(subject, **step)
        event.save(force_insert=True)
        return event
