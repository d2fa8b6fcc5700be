"""A notification's title and body kept as message ids and parameters, shown in the reader's language.

``notify`` takes lazy translations (``gettext_lazy``, ``pgettext_lazy``, ``format_lazy`` over them,
nested as deep as needed). ``encode`` turns one into plain JSON that names the message ids and their
parameters; ``render`` translates it again in the active language when someone reads it. Anything
else (text a person typed, a number, a lazy value of another kind) is kept as it was rendered.

Shapes: a string is itself; ``{"msgid": m}`` and ``{"context": c, "msgid": m}`` are translated;
``{"format": f, "args": [...], "kwargs": {...}}`` is ``f.format(*args, **kwargs)`` with every part
rendered first; ``{"lines": [...]}`` is its parts, one a line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.text import _format_lazy
from django.utils.translation import gettext, pgettext


def encode(value: Any) -> Any:
    """The JSON form of ``value``: message ids and parameters for lazy translations."""
    if value is None:
        return ""
    if isinstance(value, Promise):
        reduced = value.__reduce__()
        if len(reduced) >= 2 and isinstance(reduced[1], tuple) and len(reduced[1]) >= 3:
            func, args, kwargs = reduced[1][:3]
            if func is gettext and len(args) == 1 and not kwargs:
                return {"msgid": str(args[0])}
            if func is pgettext and len(args) == 2 and not kwargs:
                return {"context": str(args[0]), "msgid": str(args[1])}
            if func is _format_lazy and args:
                return {
                    "format": encode(args[0]),
                    "args": [encode(arg) for arg in args[1:]],
                    "kwargs": {key: encode(arg) for key, arg in kwargs.items()},
                }
        return str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def lines(parts: list[Any]) -> dict[str, Any]:
    """Several encoded texts shown one a line."""
    return {"lines": list(parts)}


def _value(node: Any) -> Any:
    if isinstance(node, str | int | float):
        return node
    if isinstance(node, list):
        return " ".join(str(_value(part)) for part in node)
    if not isinstance(node, dict):
        raise ValueError("not a message")
    if "lines" in node:
        return "\n".join(str(_value(part)) for part in node["lines"])
    if "format" in node:
        args = [_value(arg) for arg in node.get("args", [])]
        kwargs = {str(key): _value(arg) for key, arg in node.get("kwargs", {}).items()}
        return str(_value(node["format"])).format(*args, **kwargs)
    if "msgid" in node:
        if "context" in node:
            return pgettext(str(node["context"]), str(node["msgid"]))
        return gettext(str(node["msgid"]))
    raise ValueError("not a message")


def render(node: Any, fallback: str = "") -> str:
    """``node`` translated in the active language; ``fallback`` when it is missing or malformed."""
    if node is None or node == "" or node == {}:
        return fallback
    try:
        return str(_value(node))
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return fallback
