"""Reading and writing spreadsheets (CSV and XLSX) for imports and exports of every module.

Reading: :func:`open_spreadsheet` takes an uploaded file, refuses it before parsing when it is
larger than ``settings.IMPORT_MAX_BYTES`` (413 ``file_too_large``), recognises XLSX by its
content (a ZIP archive) and reads anything else as CSV, decoded as UTF-8 (with or without the
byte-order mark Excel writes) or, failing that, GB18030 (a superset of GBK, the encoding Excel
uses for "CSV" on a Chinese Windows). The first non-blank row is the header; each data row
becomes a dict {header: text}, numbers and dates of XLSX cells turned into text the way a person
reads them (``13800138000``, not ``13800138000.0``). Unreadable input raises 400 ``invalid_file``;
more rows than ``settings.IMPORT_MAX_ROWS`` raise 400 ``too_many_rows``.

Bombs are refused before the work starts. An XLSX is checked before openpyxl parses it: the sizes
its archive declares, unpacked, at most ``IMPORT_MAX_UNCOMPRESSED_BYTES`` (400
``uncompressed_too_large``; an entry that unpacks beyond its declared size fails its check and is
refused as damaged); then one streaming pass over the sheets and shared strings checks every cell's
length (``IMPORT_MAX_CELL_CHARS``, 400 ``cell_too_long``) and the rows, blank ones counted by their
row numbers (more than ``IMPORT_MAX_ROWS`` + ``IMPORT_MAX_BLANK_ROWS``: 400 ``too_many_rows``). A CSV
is held to the same cell length and row count (blank lines counted) as its rows are read, which
every import does first by counting them.

Writing: :func:`spreadsheet_response` streams a CSV (UTF-8 with a BOM so that Excel picks the
right encoding) or an XLSX, written as it is sent (the sheet XML generated row by row into a ZIP
stream), so an export of any size keeps memory flat and starts downloading at once. Every text
cell is neutralised against formula injection (OWASP "CSV injection"): a text that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet program shows it instead of evaluating it. Numbers stay numbers. When such an
exported file is imported again, the apostrophe is taken off.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.platform.errors import ValidationFailed

MAX_COLUMNS = 200

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other OLE documents)
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetErrorCode(StrEnum):
    FILE_TOO_LARGE = "file_too_large"
    INVALID_FILE = "invalid_file"
    TOO_MANY_ROWS = "too_many_rows"
    INVALID_COLUMNS = "invalid_columns"
    UNCOMPRESSED_TOO_LARGE = "uncompressed_too_large"
    CELL_TOO_LONG = "cell_too_long"


class FileTooLarge(ValidationFailed):
    status = 413
    code = SpreadsheetErrorCode.FILE_TOO_LARGE
    default_title = gettext_lazy("The file is too large.")


class InvalidFile(ValidationFailed):
    code = SpreadsheetErrorCode.INVALID_FILE
    default_title = gettext_lazy("The file is not a readable spreadsheet.")


class TooManyRows(ValidationFailed):
    code = SpreadsheetErrorCode.TOO_MANY_ROWS
    default_title = gettext_lazy("The file has too many rows.")


class UncompressedTooLarge(ValidationFailed):
    code = SpreadsheetErrorCode.UNCOMPRESSED_TOO_LARGE
    default_title = gettext_lazy("The workbook unpacks to too much data.")


class CellTooLong(ValidationFailed):
    code = SpreadsheetErrorCode.CELL_TOO_LONG
    default_title = gettext_lazy("A cell of the file is too long.")


class InvalidColumns(ValidationFailed):
    """The header does not fit: ``extra`` lists the ``missing`` and ``unknown`` columns."""

    code = SpreadsheetErrorCode.INVALID_COLUMNS
    default_title = gettext_lazy("The columns of the file do not match.")


def max_upload_bytes() -> int:
    return int(settings.IMPORT_MAX_BYTES)


def max_rows() -> int:
    return int(settings.IMPORT_MAX_ROWS)


def max_uncompressed_bytes() -> int:
    return int(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)


def max_cell_chars() -> int:
    return int(settings.IMPORT_MAX_CELL_CHARS)


def max_sheet_rows() -> int:
    """Rows a file may hold counting blank ones: the data rows allowed, a header and some slack."""
    return max_rows() + int(settings.IMPORT_MAX_BLANK_ROWS)


def _too_many_rows() -> TooManyRows:
    limit = max_rows()
    return TooManyRows(
        _("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": limit},
        extra={"max_rows": limit},
    )


def _cell_too_long(where: str = "") -> CellTooLong:
    limit = max_cell_chars()
    detail = _("A cell holds more than %(limit)s characters.") % {"limit": limit}
    if where:
        detail = f"{detail} ({where})"
    return CellTooLong(detail, extra={"max_cell_chars": limit})


def check_upload_size(size: int | None, *, limit: int | None = None) -> None:
    """Refuse a file (or a request body) larger than the limit, before anything reads it."""
    limit = max_upload_bytes() if limit is None else limit
    if size is not None and size > limit:
        raise FileTooLarge(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
            extra={"max_bytes": limit},
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

Row = tuple[int, dict[str, str]]  # (row number as the user sees it, {header: text})


@dataclass
class Spreadsheet:
    """An opened spreadsheet: its header and a way to go through its data rows (any number of times).

    Use as a context manager (an XLSX keeps its archive open until closed).
    """

    format: str
    headers: list[str]
    header_row: int
    _iter_cells: Callable[[], Iterator[tuple[int, Sequence[Any]]]]
    _close: Callable[[], None] = field(default=lambda: None)
    _positions: list[int] = field(default_factory=list)

    def __enter__(self) -> Spreadsheet:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._close()

    def rows(self) -> Iterator[Row]:
        """The data rows after the header, blank rows skipped, each as (row number, {header: text})."""
        sheet_rows, cell_chars = max_sheet_rows(), max_cell_chars()
        for number, cells in self._iter_cells():
            if number > sheet_rows:
                raise _too_many_rows()
            if number <= self.header_row:
                continue
            values = [_cell_text(cell) for cell in cells]
            if any(len(value) > cell_chars for value in values):
                raise _cell_too_long(_("row %(row)s") % {"row": number})
            if not any(values):
                continue
            row = {}
            for index, header in zip(self._positions, self.headers, strict=True):
                row[header] = values[index] if index < len(values) else ""
            yield number, row

    def count_rows(self, *, limit: int | None = None) -> int:
        """The number of data rows; more than ``limit`` (default ``IMPORT_MAX_ROWS``) → TooManyRows."""
        limit = max_rows() if limit is None else limit
        count = 0
        for _row in self.rows():
            count += 1
            if count > limit:
                raise TooManyRows(
                    _("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": limit},
                    extra={"max_rows": limit},
                )
        return count


def open_spreadsheet(file: IO[bytes], *, name: str = "", size: int | None = None) -> Spreadsheet:
    """Open an uploaded CSV or XLSX (the caller closes it, or uses ``with``).

    ``file`` is a binary file object (a Django ``UploadedFile`` or ``File`` will do); the size
    limit is checked first, from ``size``, ``file.size`` or by seeking, without reading it.
    """
    if size is None:
        size = getattr(file, "size", None)
    if size is None:
        size = _seek_size(file)
    check_upload_size(size)
    if hasattr(file, "seek"):
        file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head:
        raise InvalidFile(_("The file is empty."))
    if head.startswith(_ZIP_MAGIC):
        return _open_xlsx(file)
    if head.startswith(_OLE_MAGIC):
        raise InvalidFile(_("Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV and try again."))
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise InvalidFile(_("The file is not a valid XLSX workbook."))
    return _open_csv(file)


def _seek_size(file) -> int | None:
    try:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    except (AttributeError, OSError):
        return None
    return size


def _open_csv(file: IO[bytes]) -> Spreadsheet:
    data = file.read()
    text = _decode(data)
    if "\x00" in text:
        raise InvalidFile(_("The file is not a CSV or XLSX spreadsheet."))
    delimiter = _sniff_delimiter(text)

    def iter_cells() -> Iterator[tuple[int, Sequence[Any]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise InvalidFile(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc

    return _with_header(CSV, iter_cells)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidFile(_("The text of the file is neither UTF-8 nor GBK; save it as CSV UTF-8 or XLSX."))


def _sniff_delimiter(text: str) -> str:
    """Comma unless the first line clearly uses semicolons or tabs (European Excel, TSV)."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _check_xlsx(file: IO[bytes]) -> None:
    """Refuse a workbook bomb before openpyxl parses it: the unpacked size its archive declares,
    then, in one streaming pass, every cell's length and the sheets' rows counted by row number."""
    from xml.etree.ElementTree import ParseError, iterparse

    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidFile(_("The file is not a valid XLSX workbook.")) from exc
    limit = max_uncompressed_bytes()
    if sum(info.file_size for info in archive.infolist()) > limit:
        raise UncompressedTooLarge(
            _("The workbook unpacks to more than %(limit)s MB; the limit is %(limit)s MB.")
            % {"limit": _megabytes(limit)},
            extra={"max_uncompressed_bytes": limit},
        )
    cell_chars, sheet_rows = max_cell_chars(), max_sheet_rows()
    parts = [
        name
        for name in archive.namelist()
        if name == "xl/sharedStrings.xml" or (name.startswith("xl/worksheets/") and name.endswith(".xml"))
    ]
    try:
        for name in parts:
            rows = 0
            with archive.open(name) as part:
                for _event, element in iterparse(part, events=("end",)):  # noqa: S314 - expat resolves no external entities and caps entity amplification
                    tag = element.tag
                    if tag in (f"{_SHEET_NS}t", f"{_SHEET_NS}v") and element.text and len(element.text) > cell_chars:
                        raise _cell_too_long()
                    if tag == f"{_SHEET_NS}si":
                        if sum(len(t.text or "") for t in element.iter(f"{_SHEET_NS}t")) > cell_chars:
                            raise _cell_too_long()
                        element.clear()
                    elif tag == f"{_SHEET_NS}row":
                        rows += 1
                        number = element.get("r")
                        if rows > sheet_rows or (number and number.isdigit() and int(number) > sheet_rows):
                            raise _too_many_rows()
                        element.clear()
    except (ParseError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise InvalidFile(_("The XLSX workbook is damaged and cannot be read.")) from exc
    finally:
        file.seek(0)


def _open_xlsx(file: IO[bytes]) -> Spreadsheet:
    from openpyxl import load_workbook

    _check_xlsx(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        sheet = workbook.worksheets[0] if workbook.worksheets else None
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged archive
        raise InvalidFile(_("The file is not a valid XLSX workbook.")) from exc
    if sheet is None:
        workbook.close()
        raise InvalidFile(_("The workbook has no sheet."))

    def iter_cells() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except Exception as exc:  # a damaged sheet (bad XML, bad compressed data)
            raise InvalidFile(_("The XLSX workbook is damaged and cannot be read.")) from exc

    try:
        return _with_header(XLSX, iter_cells, close=workbook.close)
    except Exception:
        workbook.close()
        raise


def _with_header(
    kind: str, iter_cells: Callable[[], Iterator[tuple[int, Sequence[Any]]]], close: Callable[[], None] | None = None
) -> Spreadsheet:
    for number, cells in iter_cells():
        values = [_cell_text(cell) for cell in cells]
        if not any(values):
            continue
        positions = [index for index, value in enumerate(values) if value]
        headers = [values[index] for index in positions]
        if len(headers) > MAX_COLUMNS:
            raise InvalidColumns(
                _("The file has %(count)s columns; at most %(limit)s are allowed.")
                % {"count": len(headers), "limit": MAX_COLUMNS}
            )
        duplicates = sorted({h for h in headers if headers.count(h) > 1})
        if duplicates:
            raise InvalidColumns(
                _("These column names appear more than once: %(names)s.") % {"names": ", ".join(duplicates)},
                extra={"duplicate": duplicates, "missing": [], "unknown": []},
            )
        return Spreadsheet(
            format=kind,
            headers=headers,
            header_row=number,
            _iter_cells=iter_cells,
            _close=close or (lambda: None),
            _positions=positions,
        )
    raise InvalidFile(_("The file has no header row."))


def _cell_text(value: Any) -> str:
    """A cell as the text a person reads in it; an exported neutralised text gets its apostrophe back off."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        if value.time() == time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value).replace("\ufeff", "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_TRIGGERS:
        text = text[1:]
    return text


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """A text that a spreadsheet program would take for a formula gets a leading apostrophe."""
    if value and value[0] in _FORMULA_TRIGGERS:
        return "'" + value
    return value


def _local_naive(value: datetime) -> datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def csv_cell(value: Any) -> str:
    """A value as CSV text: numbers as numbers, times in the current time zone, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return _local_naive(value).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def xlsx_cell(value: Any) -> Any:
    """A value for an XLSX cell: numbers, dates and booleans typed, text neutralised and cleaned."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return _local_naive(value)
    if isinstance(value, date):
        return value
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


class _Echo:
    """A file-like whose write() returns what it was given (for streaming csv.writer output)."""

    def write(self, value: str) -> str:
        return value


def iter_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> Iterator[bytes]:
    """The CSV bytes of ``header`` and ``rows``, in chunks of a few hundred rows."""
    writer = csv.writer(_Echo())
    chunk: list[str] = ["\ufeff" if bom else "", writer.writerow([csv_cell(h) for h in header])]
    for row in rows:
        chunk.append(writer.writerow([csv_cell(v) for v in row]))
        if len(chunk) >= 500:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def write_csv(stream: IO[bytes], header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Write a neutralised CSV (UTF-8 with BOM) to a binary stream (a result report, say)."""
    for chunk in iter_csv(header, rows):
        stream.write(chunk)


def write_xlsx(stream: IO[bytes], header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "") -> None:
    """Write a neutralised one-sheet XLSX to a binary stream (see :func:`iter_xlsx`)."""
    for chunk in iter_xlsx(header, rows, title=title):
        stream.write(chunk)


class _ZipSink:
    """An unseekable file for ``zipfile``: it keeps what is written until the caller takes it.

    ``zipfile`` writes to a stream it cannot seek with data descriptors after each member, so an
    archive can be sent while it is being made.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts = []
        return data


_XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES_XML = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS_XML = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS_XML = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Cell styles: 0 plain, 1 date, 2 date and time, 3 bold (the header row).
_STYLES_XML = (
    _XML_HEAD + f'<styleSheet xmlns="{_XLSX_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_cell_xml(ref: str, value: Any, *, bold: bool = False) -> str:
    value = xlsx_cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}"><v>{format(value, "f")}</v></c>'
    if isinstance(value, datetime):
        delta = value - _EXCEL_EPOCH
        serial = delta.days + delta.seconds / 86400
        return f'<c r="{ref}" s="2"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    style = ' s="3"' if bold else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{xml_escape(value)}</t></is></c>'


def iter_xlsx(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = "", chunk_rows: int = 500
) -> Iterator[bytes]:
    """The bytes of a one-sheet XLSX of ``header`` and ``rows``, produced while the rows are read.

    Text is written inline (no shared-string table to hold in memory), so memory stays flat however
    many rows there are and the first bytes leave before the last row is read.
    """
    sink = _ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES_XML)
        archive.writestr("_rels/.rels", _ROOT_RELS_XML)
        sheet_name = xml_escape(_sheet_title(title), {'"': "&quot;"})
        archive.writestr(
            "xl/workbook.xml",
            _XML_HEAD + f'<workbook xmlns="{_XLSX_NS}" xmlns:r="{_REL_NS}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS_XML)
        archive.writestr("xl/styles.xml", _STYLES_XML)
        yield sink.take()
        columns: list[str] = [_column_letters(i) for i in range(max(len(header), 1))]
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                (
                    _XML_HEAD + f'<worksheet xmlns="{_XLSX_NS}" xmlns:r="{_REL_NS}"><sheetViews>'
                    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                    'state="frozen"/></sheetView></sheetViews><sheetData>'
                    '<row r="1">'
                    + "".join(_xlsx_cell_xml(f"{columns[i]}1", v, bold=True) for i, v in enumerate(header))
                    + "</row>"
                ).encode("utf-8")
            )
            parts: list[str] = []
            number = 1
            for row in rows:
                number += 1
                if len(row) > len(columns):
                    columns.extend(_column_letters(i) for i in range(len(columns), len(row)))
                parts.append(
                    f'<row r="{number}">'
                    + "".join(_xlsx_cell_xml(f"{columns[i]}{number}", v) for i, v in enumerate(row))
                    + "</row>"
                )
                if len(parts) >= chunk_rows:
                    sheet.write("".join(parts).encode("utf-8"))
                    parts = []
                    yield sink.take()
            sheet.write(("".join(parts) + "</sheetData></worksheet>").encode("utf-8"))
    yield sink.take()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\").strip()
    return cleaned[:31] or "Sheet1"


def csv_response(*, filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(iter_csv(header, rows), content_type=CONTENT_TYPES[CSV])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(
    *, filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], title: str = ""
) -> StreamingHttpResponse:
    """Stream the workbook while the rows are read (constant memory, first bytes at once)."""
    response = StreamingHttpResponse(iter_xlsx(header, rows, title=title), content_type=CONTENT_TYPES[XLSX])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def spreadsheet_response(
    *, fmt: str, filename_stem: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], title: str = ""
) -> StreamingHttpResponse:
    """A download of ``rows`` as ``fmt`` ("csv" or "xlsx"), named ``<filename_stem>.<fmt>``."""
    if fmt == CSV:
        return csv_response(filename=f"{filename_stem}.csv", header=header, rows=rows)
    if fmt == XLSX:
        return xlsx_response(filename=f"{filename_stem}.xlsx", header=header, rows=rows, title=title)
    raise ValidationFailed(
        _("Unknown format %(format)s; use csv or xlsx.") % {"format": fmt},
        errors={"format": [_("Use csv or xlsx.")]},
    )
