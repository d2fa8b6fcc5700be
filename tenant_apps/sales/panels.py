"""Extension points through which later modules (finance, after-sales) add to orders without
sales knowing them.

``register_order_panel(key, provider)``: ``provider(order=..., access=...)`` returns a
JSON-serialisable dict (or None to leave the section out). The order page renders every panel
with a template named ``"<key>/order_panel.html"`` when it exists (given ``panel`` and ``order``),
else as a plain list of its values; the order detail API returns them under ``panels``.

``register_collection_recorder(recorder)``: how the money an imported (or demo) order had
already received is recorded: ``record_imported_collection(order=..., amount=..., confirmed_at=...,
access=...)`` calls ``recorder`` with them (finance writes a confirmed collection), inside the
caller's transaction.

Modules register in their ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OrderPanelProvider = Callable[..., "dict[str, Any] | None"]

_panels: dict[str, OrderPanelProvider] = {}


def register_order_panel(key: str, provider: OrderPanelProvider) -> None:
    _panels[key] = provider


def unregister_order_panel(key: str) -> None:
    _panels.pop(key, None)


def order_panels() -> list[tuple[str, OrderPanelProvider]]:
    return sorted(_panels.items())


_collection_recorders: list[Callable[..., Any]] = []


def register_collection_recorder(recorder: Callable[..., Any]) -> None:
    _collection_recorders[:] = [recorder]


def record_imported_collection(**kwargs: Any) -> Any:
    if not _collection_recorders:
        raise RuntimeError("no module records the collections of imported orders (finance is not installed)")
    return _collection_recorders[0](**kwargs)
