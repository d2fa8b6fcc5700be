"""Sections that other modules (finance, after-sales) add to the order page.

``register_order_panel(key, provider)``: ``provider(order=..., access=...)`` returns a
JSON-serialisable dict (or None to leave the section out). The order page renders every panel
with a template named ``"<key>/order_panel.html"`` when it exists (given ``panel`` and ``order``),
else as a plain list of its values; the order detail API returns them under ``panels``.

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
