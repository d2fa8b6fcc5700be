"""Reads of list preferences and saved views, and the state a list page is drawn with.

A saved view is visible to its owner and, when shared, to every member of the store; any other
view is "not found", like a record of another store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import NotFound
from shared_apps.platform.listing import COMFORTABLE, Column, ListSpec
from tenant_apps.lists.models import ListPreference, SavedView


def saved_view_list(*, access: StoreAccess, list_key: str = "") -> QuerySet[SavedView]:
    qs = SavedView.objects.filter(Q(owner_id=access.user.pk) | Q(shared=True))
    if list_key:
        qs = qs.filter(list_key=list_key)
    return qs.order_by("list_key", "name", "id")


def saved_view_get_for_user(*, access: StoreAccess, view_id: Any) -> SavedView:
    try:
        view_id = int(view_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    view = saved_view_list(access=access).filter(pk=view_id).first()
    if view is None:
        raise NotFound()
    return view


def preference_get(*, access: StoreAccess, list_key: str) -> ListPreference | None:
    return ListPreference.objects.filter(user_id=access.user.pk, list_key=list_key).first()


def saved_view_query(view: SavedView) -> str:
    """The query string that opens a list as a saved view shows it."""
    params = dict(view.filters)
    if view.ordering:
        params["ordering"] = view.ordering
    params["view"] = str(view.pk)
    return urlencode(params)


@dataclass
class ListState:
    """What a list page needs to draw the list component (``{% load lists %}``)."""

    spec: ListSpec
    url: str
    density: str
    visible: tuple[str, ...]
    ordering: str
    query: dict[str, str]  # the current filters (no page, no ordering, no view)
    views: list[SavedView] = field(default_factory=list)
    active_view: SavedView | None = None
    bulk_actions: tuple = ()
    user_id: int | None = None
    allowed: tuple[str, ...] | None = None  # the columns the user may see (None: all)

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def columns(self) -> list[tuple[Column, bool]]:
        return [
            (column, column.key in self.visible)
            for column in self.spec.columns
            if self.allowed is None or column.key in self.allowed
        ]

    @property
    def visible_count(self) -> int:
        return len(self.visible) + (1 if self.bulk_actions else 0)

    def shows(self, key: str) -> bool:
        return key in self.visible

    def sort_query(self, column: Column) -> tuple[str, str]:
        """(the query string that sorts by ``column``, its aria-sort state)."""
        current = self.ordering.removeprefix("-")
        if current == column.sort:
            descending = self.ordering.startswith("-")
            state = "descending" if descending else "ascending"
            target = column.sort if descending else f"-{column.sort}"
        else:
            state, target = "none", column.sort
        params = dict(self.query)
        params["ordering"] = target
        if self.active_view is not None:
            params["view"] = str(self.active_view.pk)
        return urlencode(params), state

    @property
    def current_query(self) -> str:
        params = dict(self.query)
        if self.ordering:
            params["ordering"] = self.ordering
        return urlencode(params)

    def view_links(self) -> list[dict]:
        return [
            {
                "view": view,
                "query": saved_view_query(view),
                "active": self.active_view is not None and view.pk == self.active_view.pk,
                "mine": view.owner_id == self.user_id,
            }
            for view in self.views
        ]


def list_state(*, access: StoreAccess, spec: ListSpec, params) -> ListState:
    """The list component's state for ``spec`` from the request's query ``params``: the user's
    density and columns, a saved view's columns when one is opened (``?view=<id>``), the current
    ordering when the list declares it (anything else is ignored: the list keeps its default), and
    the filters the list keeps."""
    preference = preference_get(access=access, list_key=spec.key)
    density = preference.density if preference else COMFORTABLE
    visible = spec.clean_columns(preference.columns) if preference and preference.columns else spec.default_columns
    views = list(saved_view_list(access=access, list_key=spec.key))
    active = None
    view_id = params.get("view")
    if view_id:
        active = next((view for view in views if str(view.pk) == str(view_id)), None)
        if active is not None and active.columns:
            visible = spec.clean_columns(active.columns)
    allowed = tuple(column.key for column in spec.columns if not column.permission or access.can(column.permission))
    visible = tuple(key for key in visible if key in allowed)
    ordering = params.get("ordering") or ""
    if not spec.valid_ordering(ordering) or ordering.removeprefix("-") not in {
        column.sort for column in spec.columns if column.key in allowed
    }:
        ordering = ""
    query = {key: params.get(key) for key in spec.filter_keys if params.get(key) not in (None, "")}
    bulk = tuple(action for action in spec.bulk_actions if access.can(action.permission) and not access.read_only)
    return ListState(
        spec=spec,
        url=reverse(spec.url_name),
        density=density,
        visible=visible,
        ordering=ordering,
        query=query,
        views=views,
        active_view=active,
        bulk_actions=bulk,
        user_id=access.user.pk,
        allowed=allowed,
    )
