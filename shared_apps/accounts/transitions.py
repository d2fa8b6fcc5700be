"""Deciding on a row (approving, rejecting, confirming, cancelling): one order of steps for every
store app.

``decide`` runs inside the caller's transaction:

1. ``lock()`` takes the row locks (the parent row first, as everywhere, then the row) and gives
   both back;
2. four eyes (``FourEyes``, ``shared_apps.accounts.approvals``): 403 without the permission, 403
   ``four_eyes_required`` for one's own application, before any state rule;
3. the state rule: the row's state must allow the decision, else ``refusal(row)`` (409
   ``invalid_transition``, naming the state) and nothing changes;
4. ``check(parent, row)``: the decision's own business rules under the locks (a refund still
   within what was received...), which may also bring the parent along (the order's money);
5. the row's new status and its ``stamp`` (who decided, when, why) saved;
6. ``timeline(parent, row, previous)`` writes the timeline entries (for a row that has one), then
   ``publish(parent, row)`` the outbox event, in the same transaction as the change.

A row without a parent (a quotation) gives None as its parent.

What follows (notifications, signals after commit) stays with the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.approvals import check_approver
from shared_apps.platform.errors import DomainError

P = TypeVar("P")
R = TypeVar("R")


@dataclass(frozen=True)
class FourEyes:
    """Who may take a decision (``permission``) and who may not (the row's ``applicants``, named
    by their id fields); ``subject`` names the row when an admin decides alone."""

    permission: str
    subject: str
    applicants: tuple[str, ...]


@dataclass(frozen=True)
class Transition:
    """A decision: the status it leads to, the state rule that allows it (``allowed(row)``) and the
    refusal when it does not, and the four-eyes rule (None: none here; whoever reaches the service
    decides, or the service checked it before taking the locks, as pool claims do)."""

    to_status: str
    allowed: Callable[[Any], bool]
    refusal: Callable[[Any], DomainError]
    four_eyes: FourEyes | None = None


def _auto_now_fields(row: Any) -> list[str]:
    return [f.name for f in row._meta.concrete_fields if getattr(f, "auto_now", False)]


def decide(
    transition: Transition,
    *,
    lock: Callable[[], tuple[P, R]],
    access: StoreAccess,
    stamp: Mapping[str, Any],
    timeline: Callable[[P, R, str], object] | None = None,
    check: Callable[[P, R], object] | None = None,
    publish: Callable[[P, R], object] | None = None,
) -> tuple[P, R]:
    """Take ``transition`` on the row ``lock()`` gives, in the order of the module's steps; the
    parent and the decided row come back."""
    parent, row = lock()
    record: Any = row  # a model row with a ``status``
    if transition.four_eyes is not None:
        rule = transition.four_eyes
        check_approver(
            access=access,
            permission=rule.permission,
            applicant_ids=tuple(getattr(record, name) for name in rule.applicants),
            subject=rule.subject,
            object_id=record.pk,
        )
    if not transition.allowed(record):
        raise transition.refusal(record)
    if check is not None:
        check(parent, row)
    previous = record.status
    record.status = transition.to_status
    for name, value in stamp.items():
        setattr(record, name, value)
    record.save(update_fields=["status", *stamp, *_auto_now_fields(record)])
    if timeline is not None:
        timeline(parent, row, previous)
    if publish is not None:
        publish(parent, row)
    return parent, row
