"""Where a store's daily enquiry figures come from: typed in, or derived by another module (the
leads, when the store counts its enquiries from its leads).

``register_derived_source(is_on)``: a module that writes the figures itself registers, in its
``AppConfig.ready()``, a function telling whether it does so in the current store;
``figures_are_derived()`` is true while one says so, and the figures cannot then be typed in.
"""

from __future__ import annotations

from collections.abc import Callable

_sources: list[Callable[[], bool]] = []


def register_derived_source(is_on: Callable[[], bool]) -> None:
    if is_on not in _sources:
        _sources.append(is_on)


def figures_are_derived() -> bool:
    return any(is_on() for is_on in _sources)
