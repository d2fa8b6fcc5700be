"""Every URL of a urlconf, as a concrete path a client can request.

The isolation suite is generated from this, so a new endpoint is covered the day it is added:
nobody lists it. Route converters and regex groups are filled with sample values (``1``, a UUID,
``sample``...) chosen to match the converter's or group's regex; each built path is checked to
resolve back to its own pattern.
"""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parse
from dataclasses import dataclass

from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from shared_apps.accounts.middleware import is_open_path as _is_open_path

SAMPLE_UUID = "3f2b8a6e-6a1c-4c55-9d0e-2b7f4c1a9e01"
# Tried in order; the first that matches the converter's / group's regex is used.
SAMPLES = ("1", SAMPLE_UUID, "sample", "2026", "2026-01-01", "json", "a", "sample/path", "0")

# By parameter name, tried first: a DRF format suffix must name a real renderer.
NAMED_SAMPLES = {"format": ("json", ".json")}

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Endpoint:
    path: str  # concrete, e.g. "/api/v1/customers/1/follow-ups"
    route: str  # as written in the urlconf, e.g. "api/v1/customers/<int:pk>/follow-ups"
    name: str | None
    callback: object

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def is_open(self) -> bool:
        return is_open_path(self.path)


def is_open_path(path: str) -> bool:
    """Paths anyone may reach on any host (sign-in, tokens, schema/docs, health, static)."""
    return _is_open_path(path)


def _preferred(name: str | None, regex: str | None) -> str | None:
    if not regex:
        return None
    candidates = (*NAMED_SAMPLES.get(name, ()), *SAMPLES)
    return next((c for c in candidates if re.fullmatch(regex, c)), None)


def _sample_for(regex: str, name: str | None = None) -> str:
    sample = _preferred(name, regex)
    if sample is None:
        sample = _fill_regex(regex)
        if not re.fullmatch(regex, sample):
            raise ValueError(f"no sample value matches {regex!r}")
    return sample


_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def _fill_route(pattern: RoutePattern) -> str:
    route = str(pattern)

    def replace(match: re.Match) -> str:
        name = match.group("parameter")
        converter = pattern.converters[name]
        return converter.to_url(converter.to_python(_sample_for(converter.regex, name)))

    return _ROUTE_PARAM.sub(replace, route)


_CATEGORIES = {  # category: (sample, regex)
    _sre.CATEGORY_DIGIT: ("1", r"\d"),
    _sre.CATEGORY_NOT_DIGIT: ("a", r"\D"),
    _sre.CATEGORY_WORD: ("a", r"\w"),
    _sre.CATEGORY_NOT_WORD: ("-", r"\W"),
    _sre.CATEGORY_SPACE: (" ", r"\s"),
    _sre.CATEGORY_NOT_SPACE: ("a", r"\S"),
}


def _class_sample(items) -> str:
    negate = any(op is _sre.NEGATE for op, _ in items)
    members = [(op, av) for op, av in items if op is not _sre.NEGATE]
    if not negate:
        op, av = members[0]
        if op is _sre.LITERAL:
            return chr(av)
        if op is _sre.RANGE:
            return chr(av[0])
        return _CATEGORIES[av][0]
    for candidate in "a1-_x":
        if not re.fullmatch(_class_regex(members), candidate):
            return candidate
    raise ValueError("no sample for a negated character class")


def _class_regex(members) -> str:
    parts = []
    for op, av in members:
        if op is _sre.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is _sre.RANGE:
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        else:
            parts.append(_CATEGORIES[av][1])
    return "[" + "".join(parts) + "]"


def _generate(parsed, group_regex: dict[int, str], group_name: dict[int, str]) -> str:
    """The shortest sensible string matching a parsed regex; groups prefer SAMPLES."""
    out = []
    for op, av in parsed:
        if op is _sre.LITERAL:
            out.append(chr(av))
        elif op is _sre.NOT_LITERAL:
            out.append("a" if chr(av) != "a" else "b")
        elif op is _sre.ANY:
            out.append("a")
        elif op is _sre.IN:
            out.append(_class_sample(av))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, _high, sub = av
            out.append(_generate(sub, group_regex, group_name) * max(low, 1))
        elif op is _sre.SUBPATTERN:
            group, _add, _del, sub = av
            regex = group_regex.get(group)
            preferred = _preferred(group_name.get(group), regex)
            out.append(preferred if preferred is not None else _generate(sub, group_regex, group_name))
        elif op is _sre.BRANCH:
            out.append(_generate(av[1][0], group_regex, group_name))
        elif op is _sre.AT:
            continue
        else:
            raise ValueError(f"unsupported regex construct {op}")
    return "".join(out)


def _group_regexes(regex: str) -> dict[int, str]:
    """The source text of each capturing group, by group number."""
    spans: dict[int, str] = {}
    stack: list[tuple[int, int | None]] = []
    number = 0
    i, in_class = 0, False
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            capturing = not regex.startswith("?", i + 1) or regex.startswith("?P<", i + 1)
            if capturing:
                number += 1
            body = regex.index(">", i) + 1 if regex.startswith("?P<", i + 1) else i + 1
            stack.append((body, number if capturing else None))
        elif char == ")":
            body, group = stack.pop()
            if group is not None:
                spans[group] = regex[body:i]
        i += 1
    return spans


def _fill_regex(regex: str) -> str:
    parsed = _sre_parse.parse(regex)
    names = {number: name for name, number in parsed.state.groupdict.items()}
    return _generate(parsed, _group_regexes(regex), names)


def _fill(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _fill_route(pattern)
    if isinstance(pattern, RegexPattern):
        return _fill_regex(str(pattern.regex.pattern))
    # LocalePrefixPattern and other kinds: their own description is a usable prefix.
    return str(pattern)


def _walk(patterns, prefix_path: str, prefix_route: str, failures: list[str]):
    for entry in patterns:
        route = prefix_route + str(entry.pattern)
        try:
            piece = _fill(entry.pattern)
        except ValueError as exc:
            failures.append(f"{route}: {exc}")
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix_path + piece, route, failures)
        elif isinstance(entry, URLPattern):
            yield Endpoint(path="/" + prefix_path + piece, route=route, name=entry.name, callback=entry.callback)


def _collect(urlconf: str) -> tuple[list[Endpoint], list[str]]:
    seen: dict[str, Endpoint] = {}
    failures: list[str] = []
    for endpoint in _walk(get_resolver(urlconf).url_patterns, "", "", failures):
        seen.setdefault(endpoint.path, endpoint)
    return list(seen.values()), failures


def endpoints(urlconf: str) -> list[Endpoint]:
    """Every URL pattern of ``urlconf`` as a concrete path, first occurrence of each path kept."""
    return _collect(urlconf)[0]


def problems(urlconf: str) -> list[str]:
    """Patterns the builder could not turn into a path that resolves back to their own view."""
    found, failures = _collect(urlconf)
    bad = list(failures)
    for endpoint in found:
        try:
            match = resolve(endpoint.path, urlconf)
        except Resolver404:
            bad.append(f"{endpoint.route}: built {endpoint.path!r}, which does not resolve")
            continue
        if match.func is not endpoint.callback and getattr(match.func, "cls", None) is not getattr(
            endpoint.callback, "cls", object()
        ):
            bad.append(f"{endpoint.route}: built {endpoint.path!r}, which resolves to another view")
    return bad
