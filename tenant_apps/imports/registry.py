"""The importer registry: each module declares what a row of its spreadsheet holds and what to do with it.

An importer is a class::

    class CustomerImporter(Importer):
        kind = "customers"
        label = _("Customers")
        permission = "customers.import"
        columns = (
            Column("name", _("Name"), required=True, aliases=("姓名", "客户名称")),
            Column("mobile", _("Mobile"), aliases=("手机", "手机号")),
        )

        def process_row(self, values: dict[str, str]) -> RowResult:
            ...

registered once, in the module's ``AppConfig.ready()``: ``register_importer("customers", CustomerImporter)``.
The import machinery (tenant_apps.imports.services) maps the file's columns onto the importer's
(by field name, label in either language, or alias, or the user's explicit mapping), then calls
``process_row`` once per row inside its own savepoint, so that a refused row leaves nothing and
does not undo the rows before it. ``process_row`` returns a :class:`RowResult` or raises a
``DomainError`` (reported as an invalid row with its message). An importer that can write many
rows at once sets ``batch_rows`` and implements ``process_batch``, called once per batch instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import DomainError, ValidationFailed
from shared_apps.platform.spreadsheets import InvalidColumns


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    SKIPPED = "skipped"


OUTCOME_LABELS = {
    Outcome.CREATED: pgettext_lazy("import outcome", "Created"),
    Outcome.UPDATED: pgettext_lazy("import outcome", "Updated"),
    Outcome.DUPLICATE: pgettext_lazy("import outcome", "Duplicate"),
    Outcome.INVALID: pgettext_lazy("import outcome", "Invalid"),
    Outcome.SKIPPED: pgettext_lazy("import outcome", "Skipped"),
}


def outcome_label(outcome: str) -> str:
    label = OUTCOME_LABELS.get(outcome)  # type: ignore[call-overload]
    return str(label) if label is not None else outcome


@dataclass(frozen=True)
class Column:
    """A field an importer understands; ``aliases`` are other header names it is known by."""

    field: str
    label: Any  # a lazily translated string
    required: bool = False
    aliases: tuple[str, ...] = ()
    help_text: Any = ""

    @property
    def other_names(self) -> list[str]:
        """Up to three aliases that differ from the label in the active language, for the import
        pages' side column ("手机 · 手机号, 手机号码" rather than "手机 · 手机, 手机号")."""
        label = str(self.label).casefold()
        return [alias for alias in self.aliases if alias.casefold() != label][:3]


@dataclass(frozen=True)
class RowResult:
    outcome: str
    message: str = ""
    object_id: int | None = None

    def as_dict(self, row: int) -> dict[str, Any]:
        return {"row": row, "outcome": str(self.outcome), "message": self.message, "id": self.object_id}


class Importer:
    """Base of every importer. One instance processes all the rows of one import job."""

    kind: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    permission: ClassVar[str] = ""
    columns: ClassVar[tuple[Column, ...]] = ()
    # Error keys of the services that stand for one of the columns, e.g. {"owner": "owner_email"}.
    error_fields: ClassVar[dict[str, str]] = {}
    # True when ``process_row`` is atomic by itself (it writes through one service that validates
    # everything first and saves in its own transaction): the rows then need no extra savepoint.
    atomic_rows: ClassVar[bool] = False
    # True when ``process_batch`` handles a whole batch of rows at once (same outcomes as row by row).
    batch_rows: ClassVar[bool] = False

    def __init__(self, *, access: StoreAccess, options: dict[str, Any]) -> None:
        self.access = access
        self.user = access.user
        self.options = options

    @classmethod
    def check_columns(cls, *, access: StoreAccess, fields: set[str]) -> None:
        """Refuse a mapping this user may not import (raise InvalidColumns); the default accepts all."""

    @classmethod
    def object_url(cls, object_id: int) -> str | None:
        """The page of a record a row created or matched (linked from the results), if any."""
        return None

    def process_row(self, values: dict[str, str]) -> RowResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def process_batch(self, rows: list[dict[str, str]]) -> list[RowResult]:  # pragma: no cover - abstract
        """The results of several rows, in order, for an importer with ``batch_rows``: each row's
        outcome (a refused row as ``invalid`` with its reason), and nothing written for the rows
        that are not taken. Runs inside the batch's transaction."""
        raise NotImplementedError

    def describe_error(self, exc: DomainError) -> str:
        """An error of one row as one line, field names replaced by the columns' labels."""
        if not exc.errors:
            return exc.detail
        labels = {column.field: str(column.label) for column in self.columns}
        parts = []
        for name, messages in exc.errors.items():
            text = " ".join(str(m) for m in messages)
            field = self.error_fields.get(name, name)
            parts.append(text if name in ("non_field_errors", "__all__") else f"{labels.get(field, name)}: {text}")
        return "; ".join(parts)


_registry: dict[str, type[Importer]] = {}


def register_importer(kind: str, importer: type[Importer]) -> None:
    """Register (or replace, when ``ready()`` runs twice) the importer of ``kind``."""
    if not kind or importer.kind not in ("", kind):
        raise ValueError(f"importer {importer!r} declares kind {importer.kind!r}, registered as {kind!r}")
    _registry[kind] = importer


def unregister_importer(kind: str) -> None:
    _registry.pop(kind, None)


def get_importer(kind: str) -> type[Importer]:
    try:
        return _registry[kind]
    except KeyError:
        raise ValidationFailed(
            _("Unknown import kind %(kind)s.") % {"kind": kind}, errors={"kind": [_("Unknown import kind.")]}
        ) from None


def find_importer(kind: str) -> type[Importer] | None:
    return _registry.get(kind)


def importer_kinds() -> list[str]:
    return sorted(_registry)


# ---------------------------------------------------------------------------------------------
# Column mapping
# ---------------------------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    """Headers compare without case, width, spaces, underscores, dashes or a required-marker star."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in text if ch not in " \t_-*:：()（）")


def column_names(column: Column) -> set[str]:
    """Every normalised name a column is recognised by: field, labels in each language, aliases."""
    names = {normalise_header(column.field), *(normalise_header(alias) for alias in column.aliases)}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            names.add(normalise_header(str(column.label)))
    names.discard("")
    return names


def auto_mapping(headers: Iterable[str], columns: Iterable[Column]) -> dict[str, str]:
    """{header: field} for the headers that name a column; headers that name none are left out."""
    lookup: dict[str, str] = {}
    for column in columns:
        for name in column_names(column):
            lookup.setdefault(name, column.field)
    result = {}
    for header in headers:
        field = lookup.get(normalise_header(header))
        if field is not None:
            result[header] = field
    return result


def resolve_mapping(
    *, headers: list[str], columns: tuple[Column, ...], mapping: dict[str, Any] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The mapping {file header: field} to import with, and the headers left out.

    ``mapping`` (from the user, may be partial) maps file headers to field names; ``""`` or None
    ignores a column. Headers it does not mention are matched automatically. Raises
    InvalidColumns naming what is missing, unknown or doubled; nothing is imported then.
    """
    fields = {column.field: column for column in columns}
    mapping = dict(mapping or {})
    not_in_file = sorted(str(h) for h in mapping if h not in headers)
    bad_fields = sorted({str(v) for v in mapping.values() if v not in (None, "") and v not in fields})
    automatic = auto_mapping([h for h in headers if h not in mapping], columns)
    resolved: dict[str, str] = {}
    for header in headers:
        field = mapping[header] if header in mapping else automatic.get(header)
        if field in (None, "") or field not in fields:
            continue
        resolved[header] = str(field)
    unknown = [h for h in headers if h not in resolved and h not in mapping]
    ignored = [h for h in headers if h not in resolved]
    mapped_fields = list(resolved.values())
    doubled = sorted({f for f in mapped_fields if mapped_fields.count(f) > 1})
    missing = [c.field for c in columns if c.required and c.field not in mapped_fields]
    if not (missing or doubled or not_in_file or bad_fields):
        return resolved, ignored

    problems = []
    if missing:
        names = ", ".join(f"{fields[f].label} ({f})" for f in missing)
        problems.append(_("Missing required columns: %(names)s.") % {"names": names})
    if doubled:
        names = ", ".join(str(fields[f].label) for f in doubled)
        problems.append(_("Several columns are mapped to: %(names)s.") % {"names": names})
    if not_in_file:
        names = ", ".join(not_in_file)
        problems.append(_("The mapping names columns the file does not have: %(names)s.") % {"names": names})
    if bad_fields:
        problems.append(_("The mapping names unknown fields: %(names)s.") % {"names": ", ".join(bad_fields)})
    if unknown:
        problems.append(_("Columns not recognised: %(names)s.") % {"names": ", ".join(unknown)})
    raise InvalidColumns(
        " ".join(problems),
        errors={"file": problems},
        extra={
            "missing": missing,
            "unknown": unknown,
            "duplicate": doubled,
            "not_in_file": not_in_file,
            "unknown_fields": bad_fields,
            "columns": [{"field": c.field, "label": str(c.label), "required": c.required} for c in columns],
        },
    )
