"""A small condition language over a record's API representation (a JSON object).

    {"all": [{"field": "status", "op": "eq", "value": "pending_outbound"},
             {"any": [{"field": "amount", "op": "gte", "value": "10000"},
                      {"field": "customer.grade", "op": "in", "value": ["A", "B"]}]}]}

A leaf names a ``field`` (dotted for nested objects), an ``op`` and, except for ``exists`` and
``missing``, a ``value``. ``all`` / ``any`` hold lists of conditions; ``not`` one condition. An
empty object matches everything. Numbers and decimal strings compare as decimals; ISO times
compare as times. ``validate`` refuses anything else before a rule is stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "exists", "missing")
MAX_DEPTH = 5
MAX_LEAVES = 50


class InvalidCondition(ValueError):
    pass


def validate(condition: Any) -> dict:
    """Return the condition as given when it is well formed; raise ``InvalidCondition`` otherwise."""
    if condition in (None, {}):
        return {}
    leaves = [0]
    _check(condition, depth=0, leaves=leaves, path="conditions")
    return condition


def _check(node: Any, *, depth: int, leaves: list[int], path: str) -> None:
    if depth > MAX_DEPTH:
        raise InvalidCondition(_("%(path)s: nested deeper than %(max)d levels.") % {"path": path, "max": MAX_DEPTH})
    if not isinstance(node, dict):
        raise InvalidCondition(_("%(path)s: a condition is an object.") % {"path": path})
    groups = [key for key in ("all", "any", "not") if key in node]
    if groups:
        if len(node) != 1:
            raise InvalidCondition(_("%(path)s: all, any or not stand alone in their object.") % {"path": path})
        key = groups[0]
        if key == "not":
            _check(node["not"], depth=depth + 1, leaves=leaves, path=f"{path}.not")
            return
        items = node[key]
        if not isinstance(items, list) or not items:
            raise InvalidCondition(_("%(path)s.%(key)s: a non-empty list.") % {"path": path, "key": key})
        for index, item in enumerate(items):
            _check(item, depth=depth + 1, leaves=leaves, path=f"{path}.{key}[{index}]")
        return
    leaves[0] += 1
    if leaves[0] > MAX_LEAVES:
        raise InvalidCondition(_("At most %(max)d conditions.") % {"max": MAX_LEAVES})
    unknown = set(node) - {"field", "op", "value"}
    if unknown:
        raise InvalidCondition(
            _("%(path)s: unknown keys %(keys)s.") % {"path": path, "keys": ", ".join(sorted(map(str, unknown)))}
        )
    field, op = node.get("field"), node.get("op")
    if not isinstance(field, str) or not field or len(field) > 100:
        raise InvalidCondition(_("%(path)s: field is a name such as status or customer.grade.") % {"path": path})
    if op not in OPERATORS:
        raise InvalidCondition(_("%(path)s: op is one of %(ops)s.") % {"path": path, "ops": ", ".join(OPERATORS)})
    if op in ("exists", "missing"):
        if "value" in node:
            raise InvalidCondition(_("%(path)s: %(op)s takes no value.") % {"path": path, "op": op})
        return
    if "value" not in node:
        raise InvalidCondition(_("%(path)s: a value is required.") % {"path": path})
    value = node["value"]
    if op in ("in", "not_in") and not isinstance(value, list):
        raise InvalidCondition(_("%(path)s: %(op)s takes a list.") % {"path": path, "op": op})
    if op not in ("in", "not_in") and isinstance(value, (list, dict)):
        raise InvalidCondition(_("%(path)s: %(op)s takes a single value.") % {"path": path, "op": op})


_MISSING = object()


def _lookup(record: Any, field: str) -> Any:
    value = record
    for part in field.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _MISSING
    return value


def _comparable(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment if moment.tzinfo is not None else value
    return value


def _compare(left: Any, op: str, right: Any) -> bool:
    a, b = _comparable(left), _comparable(right)
    try:
        if op == "eq":
            return a == b
        if op == "ne":
            return a != b
        if op == "gt":
            return a is not None and a > b
        if op == "gte":
            return a is not None and a >= b
        if op == "lt":
            return a is not None and a < b
        if op == "lte":
            return a is not None and a <= b
    except TypeError:  # a number against a word: no match rather than an error
        return False
    raise AssertionError(op)


def matches(condition: dict | None, record: dict) -> bool:
    if not condition:
        return True
    if "all" in condition:
        return all(matches(item, record) for item in condition["all"])
    if "any" in condition:
        return any(matches(item, record) for item in condition["any"])
    if "not" in condition:
        return not matches(condition["not"], record)
    value = _lookup(record, condition["field"])
    op = condition["op"]
    if op == "exists":
        return value is not _MISSING and value not in (None, "")
    if op == "missing":
        return value is _MISSING or value in (None, "")
    if value is _MISSING:
        return False
    expected = condition["value"]
    if op in ("in", "not_in"):
        found = any(_compare(value, "eq", item) for item in expected)
        return found if op == "in" else not found
    if op == "contains":
        if isinstance(value, list):
            return any(_compare(item, "eq", expected) for item in value)
        return isinstance(value, str) and str(expected) in value
    return _compare(value, op, expected)
