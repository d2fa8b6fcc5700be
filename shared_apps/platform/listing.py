"""One list component for every list page: the declaration of a list (its columns, which of them
sort and by which ``ordering`` value, the query parameters a saved view keeps, the bulk actions).

Each module declares its lists with ``register_list(ListSpec(...))`` from ``AppConfig.ready()``;
the store's list preferences and saved views (``tenant_apps.lists``) and the template tags
(``{% load lists %}``) read the declarations from here. Ordering is always server-side and only by
the declared values, so a list page never sorts by a column it was not built to sort by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COMFORTABLE = "comfortable"
COMPACT = "compact"
DENSITIES = (COMFORTABLE, COMPACT)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    sort: str = ""  # the list's ``ordering`` value for this column; "" when it does not sort
    default: bool = True  # shown until the user chooses otherwise
    required: bool = False  # cannot be hidden (the column that links to the record)
    numeric: bool = False  # right-aligned
    permission: str = ""  # a column only those holding it see (and can choose); "" for everyone


@dataclass(frozen=True)
class BulkAction:
    key: str
    label: Any
    permission: str


@dataclass(frozen=True)
class ListSpec:
    key: str
    url_name: str
    columns: tuple[Column, ...]
    filter_keys: tuple[str, ...] = ()
    bulk_url_name: str = ""
    bulk_actions: tuple[BulkAction, ...] = ()
    permission: str = "store.view"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def column(self, key: str) -> Column | None:
        return next((column for column in self.columns if column.key == key), None)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)

    @property
    def default_columns(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns if column.default or column.required)

    @property
    def sort_values(self) -> tuple[str, ...]:
        return tuple(column.sort for column in self.columns if column.sort)

    def valid_ordering(self, value: str) -> bool:
        return bool(value) and value.removeprefix("-") in self.sort_values

    def clean_columns(self, keys) -> tuple[str, ...]:
        """The known keys of ``keys`` in the list's own order, with the required columns."""
        chosen = set(keys or ())
        return tuple(column.key for column in self.columns if column.key in chosen or column.required)


_LISTS: dict[str, ListSpec] = {}


def register_list(spec: ListSpec) -> ListSpec:
    _LISTS[spec.key] = spec
    return spec


def list_spec(key: str) -> ListSpec | None:
    return _LISTS.get(key)


def list_specs() -> dict[str, ListSpec]:
    return dict(_LISTS)
