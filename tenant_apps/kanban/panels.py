"""Sections that other modules add to the Data Kanban page (below its charts).

``register_kanban_panel(key, template=..., context=..., permission=..., order=...)``: the page renders
``template`` with ``context(request)`` (a dict, or None to leave the section out) for users whose
access grants ``permission``. Modules register in their ``AppConfig.ready()``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KanbanPanel:
    key: str
    template: str
    context: Callable[[Any], dict | None]
    permission: str | None = None
    order: int = 100


_panels: dict[str, KanbanPanel] = {}


def register_kanban_panel(
    key: str, *, template: str, context: Callable, permission: str | None = None, order: int = 100
) -> None:
    _panels[key] = KanbanPanel(key=key, template=template, context=context, permission=permission, order=order)


def unregister_kanban_panel(key: str) -> None:
    _panels.pop(key, None)


def kanban_panels_for(request) -> list[str]:
    """The registered sections this request's user may see, rendered, in order (a failing one is
    left out and logged rather than taking the page down)."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    access = getattr(request, "store_access", None)
    rendered = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if access is None or (panel.permission is not None and not access.can(panel.permission)):
            continue
        try:
            context = panel.context(request)
            if context is None:
                continue
            rendered.append(mark_safe(render_to_string(panel.template, context, request=request)))  # noqa: S308
        except Exception:
            logger.exception("kanban panel %s failed", panel.key)
    return rendered
