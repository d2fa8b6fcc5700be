"""First-run guidance: the home page's checklist of a new store (channels, products, customers,
the team, the first quotation). Each step ticks itself from the store's own data, and the panel
leaves the home page once every step is done. Shown to store admins. The workspace's own steps
(channels, team) are registered here; customers and sales register theirs (``register_step``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shared_apps.accounts.selectors import member_list
from tenant_apps.workspace.selectors import channel_list


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    hint: str
    url: str
    done: bool


@dataclass(frozen=True)
class _Registered:
    key: str
    label: str
    hint: str
    url_name: str
    done: Callable[[HttpRequest], bool]
    order: int


_steps: dict[str, _Registered] = {}


def register_step(
    key: str, *, label: str, hint: str, url_name: str, done: Callable[[HttpRequest], bool], order: int
) -> None:
    """A step of the checklist, shown by ``order``: ``done(request)`` tells whether the store did it.
    Apps register their steps in their ``AppConfig.ready()``."""
    _steps[key] = _Registered(key=key, label=label, hint=hint, url_name=url_name, done=done, order=order)


def first_run_steps(request) -> list[Step]:
    return [
        Step(step.key, step.label, step.hint, reverse(step.url_name), step.done(request))
        for step in sorted(_steps.values(), key=lambda step: (step.order, step.key))
    ]


def first_run_panel(request) -> dict | None:
    """The checklist's context, or None (no panel) once every step is done."""
    steps = first_run_steps(request)
    done = sum(step.done for step in steps)
    if done == len(steps):
        return None
    return {"steps": steps, "done": done, "total": len(steps), "percent": round(100 * done / len(steps))}


def register() -> None:
    from shared_apps.platform.navigation import register_home_panel

    register_step(
        "channels",
        label=_("Set up your channels"),
        hint=_("The shops you sell in: orders and customers carry one."),
        url_name="workspace:channels",
        done=lambda request: channel_list(active_only=True).exists(),
        order=10,
    )
    register_step(
        "team",
        label=_("Invite your team"),
        hint=_("Salespeople, supervisors, finance and warehouse, each with a one-time link."),
        url_name="workspace:member-invite",
        done=lambda request: member_list(store=request.tenant).filter(is_active=True).count() > 1,
        order=40,
    )

    register_home_panel(
        key="first_run",
        template="workspace/_first_run.html",
        context=first_run_panel,
        permission="members.manage",
        order=1,
    )
