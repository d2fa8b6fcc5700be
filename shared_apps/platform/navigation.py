"""The navigation registry: each app declares its own menu entries, the page shell shows them.

An app declares its entries as one tuple and registers them in ``AppConfig.ready()``::

    from django.utils.translation import gettext_lazy as _
    from shared_apps.platform.navigation import NavEntry, register_entries

    NAVIGATION = (
        # key, label, URL name, permission, icon, order
        NavEntry("members", _("Team"), "workspace:members", "members.view", "users", 900),
        NavEntry("channels", _("Channels"), "workspace:channels", "channels.view", "shopping-bag", 910),
    )
    register_entries(NAVIGATION)

or one entry at a time::

    register_nav(
        key="notifications",
        label=_("Notifications"),
        url_name="notifications:list",
        permission="notifications.view",
        icon="bell",
        order=90,
        badge=unread_badge,  # optional: callable(request) -> int | None
    )

``area`` is ``"store"`` (the store workspace, the default) or ``"hq"`` (the HQ console). A store
entry is shown when the user's ``StoreAccess`` grants ``permission``; an HQ entry when the user
has an HQ role (``permission="hq.admin"``: only HQ admins).
An entry whose URL name does not resolve on the current host is left out, so a module not built
yet is simply absent. Icons are the names of the symbols in ``static/img/icons.svg``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)

STORE = "store"
HQ = "hq"
AREAS = (STORE, HQ)

Badge = Callable[[Any], "int | None"]


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: Any  # a lazily translated string
    url_name: str
    permission: str | None = None
    icon: str = "dot"
    order: int = 100
    area: str = STORE
    badge: Badge | None = None


@dataclass(frozen=True)
class NavItem:
    """An entry as shown to one user on one request."""

    key: str
    label: str
    url: str
    icon: str
    active: bool
    badge: int | None


_registry: dict[tuple[str, str], NavEntry] = {}


def register_nav(
    *,
    key: str,
    label: Any,
    url_name: str,
    permission: str | None = None,
    icon: str = "dot",
    order: int = 100,
    area: str = STORE,
    badge: Badge | None = None,
) -> NavEntry:
    """Add (or replace, when ``ready()`` runs twice) the entry ``key`` of ``area``."""
    entry = NavEntry(
        key=key,
        label=label,
        url_name=url_name,
        permission=permission,
        icon=icon,
        order=order,
        area=area,
        badge=badge,
    )
    register_entries((entry,))
    return entry


def register_entries(entries: Iterable[NavEntry]) -> None:
    """Add (or replace, when ``ready()`` runs twice) each of ``entries``, under its key and area."""
    entries = tuple(entries)
    for entry in entries:
        if entry.area not in AREAS:
            raise ValueError(f"unknown navigation area {entry.area!r}")
    for entry in entries:
        _registry[(entry.area, entry.key)] = entry


def unregister_nav(*, key: str, area: str = STORE) -> None:
    _registry.pop((area, key), None)


def registered_entries(area: str = STORE) -> list[NavEntry]:
    return sorted((e for (a, _k), e in _registry.items() if a == area), key=lambda e: (e.order, e.key))


def _allowed(entry: NavEntry, request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if entry.area == STORE:
        access = getattr(request, "store_access", None)
        if access is None:
            return False
        return entry.permission is None or access.can(entry.permission)
    if not getattr(user, "is_hq", False):
        return False
    if entry.permission == "hq.admin":
        return bool(getattr(user, "is_hq_admin", False))
    return True


def _url(entry: NavEntry, request) -> str | None:
    try:
        return reverse(entry.url_name, urlconf=getattr(request, "urlconf", None))
    except NoReverseMatch:
        return None


def _badge(entry: NavEntry, request) -> int | None:
    if entry.badge is None:
        return None
    try:
        value = entry.badge(request)
    except Exception:  # a failing counter must not take the whole page down
        logger.exception("navigation badge %s failed", entry.key)
        return None
    return None if value is None else int(value)


def nav_for(request, area: str = STORE) -> list[NavItem]:
    """The entries of ``area`` this request's user may open, in order, with their badges.

    Computed once per request (the view and the page shell may both ask).
    """
    cache = request.__dict__.setdefault("_nav_items", {})
    if area not in cache:
        cache[area] = _build_nav(request, area)
    return cache[area]


def _build_nav(request, area: str) -> list[NavItem]:
    path = getattr(request, "path", "") or ""
    allowed = []
    for entry in registered_entries(area):
        url = _url(entry, request) if _allowed(entry, request) else None
        if url is not None:
            allowed.append((entry, url))
    # One entry is lit: the one whose address is the longest prefix of the path (``/kanban/tasks/``
    # lights "tasks", not also "kanban").
    matches = [url for _entry, url in allowed if (path == url if url == "/" else path.startswith(url))]
    lit = max(matches, key=len, default=None)
    items: list[NavItem] = []
    for entry, url in allowed:
        active = url == lit
        items.append(
            NavItem(
                key=entry.key,
                label=str(entry.label),
                url=url,
                icon=entry.icon,
                active=active,
                badge=_badge(entry, request),
            )
        )
    return items


def badge_for(request, key: str, area: str = STORE) -> int | None:
    """The badge value of one entry (for instance the unread count on the home page)."""
    entry = _registry.get((area, key))
    if entry is None or not _allowed(entry, request):
        return None
    return _badge(entry, request)


# ---------------------------------------------------------------------------------------------
# Home panels: sections of the store's home page contributed by modules ("My follow-ups", ...)
# ---------------------------------------------------------------------------------------------

PanelContext = Callable[[Any], "dict | None"]


@dataclass(frozen=True)
class HomePanel:
    """A section of the store home page: ``template`` rendered with ``context(request)``.

    Registered in ``AppConfig.ready()``::

        register_home_panel(
            key="follow_ups",
            template="customers/_home_panel.html",
            context=my_follow_ups,  # callable(request) -> dict, or None to leave the panel out
            permission="followups.create",
            order=20,
        )
    """

    key: str
    template: str
    context: PanelContext
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    html: str


_home_panels: dict[str, HomePanel] = {}


def register_home_panel(
    *, key: str, template: str, context: PanelContext, permission: str | None = None, order: int = 100
) -> HomePanel:
    """Add (or replace) the home panel ``key``; shown to users whose StoreAccess grants ``permission``."""
    panel = HomePanel(key=key, template=template, context=context, permission=permission, order=order)
    _home_panels[key] = panel
    return panel


def unregister_home_panel(*, key: str) -> None:
    _home_panels.pop(key, None)


def home_panels_for(request) -> list[RenderedPanel]:
    """The registered panels this request's user may see, rendered, in order. A failing panel is
    left out (and logged) rather than taking the home page down."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    access = getattr(request, "store_access", None)
    user = getattr(request, "user", None)
    if access is None or user is None or not user.is_authenticated:
        return []
    rendered: list[RenderedPanel] = []
    for panel in sorted(_home_panels.values(), key=lambda p: (p.order, p.key)):
        if panel.permission is not None and not access.can(panel.permission):
            continue
        try:
            context = panel.context(request)
            if context is None:
                continue
            html = render_to_string(panel.template, context, request=request)
        except Exception:
            logger.exception("home panel %s failed", panel.key)
            continue
        rendered.append(RenderedPanel(key=panel.key, html=mark_safe(html)))  # noqa: S308 - our own template
    return rendered
