"""A customer's personal data across the store apps (PIPL): what each app holds about a person,
and how it anonymises it.

Each store app that keeps something about a customer registers, in its ``AppConfig.ready``, an
``exporter`` (customer ids → a JSON-able section) and/or an ``eraser`` (a ``Person`` → the fields it
anonymised, as ``Erased`` rows, so that the action log's copies of those values are anonymised
too). The customers app runs them all in the transaction that erases the customer; none of them
may change an amount, a date, a status, a channel, an owner or a province (every figure stays as
it was).

``customer_erased`` is sent inside the erasure's transaction (``store``: the Store,
``customer_ids``): HQ drops what the store published about those buyers (their keyed hashes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.dispatch import Signal

customer_erased = Signal()

# What replaces erased free text; a name becomes "[erased #<id>]".
PLACEHOLDER = "[erased]"


@dataclass(frozen=True)
class Person:
    """The customer records of one person (the customer and the records merged into it) and the
    identifying values they held before the erasure (to be replaced where they were written
    into free text: notification titles, notes)."""

    customer_ids: tuple[int, ...]
    values: tuple[str, ...] = ()

    def scrub(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, PLACEHOLDER)
        return text


@dataclass(frozen=True)
class Erased:
    object_type: str  # the model label, as in the action log (customers.followup)
    ids: tuple = ()
    fields: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Holder:
    key: str
    exporter: Callable[[tuple[int, ...]], object] | None = None
    eraser: Callable[[Person], Iterable[Erased]] | None = None


_holders: dict[str, Holder] = {}


def register(key: str, *, exporter=None, eraser=None) -> None:
    _holders[key] = Holder(key=key, exporter=exporter, eraser=eraser)


def holders() -> list[Holder]:
    return [_holders[key] for key in sorted(_holders)]
