"""Extension points through which later modules (quotations, orders, finance, after-sales) add to a
customer without the customers app knowing them.

* ``register_customer_panel(key, provider)``: a section of the 360° summary. ``provider(customer=...)``
  returns a JSON-serialisable dict (or None to leave the panel out), e.g. the orders module returns
  ``{"count": 3, "lifetime_value": "12800.00", "last_order_at": ...}``.
* ``register_merge_handler(key, handler)``: when two customer records are merged,
  ``handler(survivor=..., merged=...)`` moves the module's rows of ``merged`` to ``survivor``; it runs
  inside the merge transaction with both customer rows locked and returns a JSON-serialisable
  note of what it moved (kept in the merge's snapshot).
* ``register_pool_history(provider)``: the 360° summary's ``pool_history`` (the shared pool's
  releases and claims of the customer, newest first): ``provider(customer=...)`` returns a list of
  JSON-serialisable dicts; without a provider the history is empty.
* ``register_bulk_action(key, run)``: how the customer list's bulk action ``key`` (declared with
  the list) changes the selected customers: ``run(access=..., ids=[...], data=request.POST)``
  does it in one transaction and returns how many it changed, or raises a ``DomainError``.

Modules register in their ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PanelProvider = Callable[..., "dict[str, Any] | None"]
MergeHandler = Callable[..., Any]

_panels: dict[str, PanelProvider] = {}
_merge_handlers: dict[str, MergeHandler] = {}


def register_customer_panel(key: str, provider: PanelProvider) -> None:
    _panels[key] = provider


def unregister_customer_panel(key: str) -> None:
    _panels.pop(key, None)


def customer_panels() -> list[tuple[str, PanelProvider]]:
    return sorted(_panels.items())


def register_merge_handler(key: str, handler: MergeHandler) -> None:
    _merge_handlers[key] = handler


def unregister_merge_handler(key: str) -> None:
    _merge_handlers.pop(key, None)


def merge_handlers() -> list[tuple[str, MergeHandler]]:
    return sorted(_merge_handlers.items())


_pool_history: list[Callable[..., list]] = []


def register_pool_history(provider: Callable[..., list]) -> None:
    _pool_history[:] = [provider]


def pool_history(*, customer) -> list:
    return list(_pool_history[0](customer=customer)) if _pool_history else []


BulkRunner = Callable[..., int]
_bulk_actions: dict[str, BulkRunner] = {}


def register_bulk_action(key: str, run: BulkRunner) -> None:
    _bulk_actions[key] = run


def bulk_action(key: str) -> BulkRunner | None:
    return _bulk_actions.get(key)


# --- list filters and export columns contributed by other modules ----------------------------------
#
# ``register_list_filter(key, label=..., choices=..., apply=...)``: a filter of the customer list,
# its API (``?<key>=``), its page (a select of ``choices()``) and its export; ``apply(queryset,
# value)`` returns the filtered queryset or raises ValidationFailed naming the allowed values.
# ``register_export_columns(key, prepare=..., columns=...)``: ``prepare(queryset)`` annotates the
# exported queryset, ``columns()`` gives ``[(header, value of a customer)]`` appended to the export.


@dataclass(frozen=True)
class ListFilter:
    key: str
    label: Any
    choices: Callable[[], list[tuple[str, str]]]
    apply: Callable[[Any, str], Any]
    description: str = ""
    multiple: bool = False  # comma-separated values


@dataclass(frozen=True)
class ExportColumns:
    prepare: Callable[[Any], Any]
    columns: Callable[[], list[tuple[str, Callable[[Any], Any]]]]


_list_filters: dict[str, ListFilter] = {}
_export_columns: dict[str, ExportColumns] = {}


def register_list_filter(
    key: str, *, label: Any, choices: Callable, apply: Callable, description: str = "", multiple: bool = False
) -> None:
    """A filter of the customer list, its export and ``GET /api/v1/customers`` (documented there from
    ``choices`` and ``description``; ``description`` is English, the API's language)."""
    _list_filters[key] = ListFilter(
        key=key, label=label, choices=choices, apply=apply, description=description, multiple=multiple
    )


def list_filters() -> list[ListFilter]:
    return [_list_filters[key] for key in sorted(_list_filters)]


def register_export_columns(key: str, *, prepare: Callable, columns: Callable) -> None:
    _export_columns[key] = ExportColumns(prepare=prepare, columns=columns)


def export_extensions() -> list[ExportColumns]:
    return [_export_columns[key] for key in sorted(_export_columns)]
