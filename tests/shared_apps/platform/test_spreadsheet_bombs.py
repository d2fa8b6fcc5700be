"""Spreadsheet bombs are refused before the work starts: a small XLSX that unpacks to a huge sheet,
one enormous cell, or millions of (blank) rows, each with a 400 naming the limit."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from shared_apps.platform.spreadsheets import (
    CellTooLong,
    TooManyRows,
    UncompressedTooLarge,
    open_spreadsheet,
)


def _workbook_with_sheet(sheet_xml: bytes, shared_strings: bytes | None = None) -> bytes:
    """A real workbook whose first sheet's XML (and shared strings) are replaced by the given ones."""
    source = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "mobile"])
    workbook.save(source)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source.getvalue())) as original,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            bomb.writestr(info.filename, data)
        if shared_strings is not None:
            bomb.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


HEADER = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>mobile</t></is></c></row>'
)


def _sheet(rows: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + HEADER
        + rows
        + b"</sheetData></worksheet>"
    )


def _open_and_count(data: bytes) -> int:
    with open_spreadsheet(io.BytesIO(data), name="bomb.xlsx") as sheet:
        return sheet.count_rows()


def test_a_small_xlsx_that_unpacks_beyond_the_limit_is_refused_before_parsing(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"x" * (3 * 1024 * 1024) + b"</t></is></c></row>"
    data = _workbook_with_sheet(_sheet(cell))
    assert len(data) < 100_000

    with pytest.raises(UncompressedTooLarge) as raised:
        _open_and_count(data)

    assert raised.value.status == 400
    assert raised.value.extra["max_uncompressed_bytes"] == 2 * 1024 * 1024
    assert "2" in raised.value.detail


def test_one_enormous_inline_cell_is_refused_naming_the_cell_limit(settings):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"y" * 5000 + b"</t></is></c></row>"

    with pytest.raises(CellTooLong) as raised:
        _open_and_count(_workbook_with_sheet(_sheet(cell)))

    assert raised.value.status == 400
    assert raised.value.extra["max_cell_chars"] == 1000


def test_an_enormous_shared_string_is_refused(settings):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    shared = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>" + b"z" * 5000 + b"</t></si></sst>"
    )
    row = b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'

    with pytest.raises(CellTooLong):
        _open_and_count(_workbook_with_sheet(_sheet(row), shared))


def test_millions_of_blank_rows_are_counted_and_refused_at_once(settings):
    settings.IMPORT_MAX_ROWS = 1000
    far = b'<row r="3000000"><c r="A3000000" t="inlineStr"><is><t>late</t></is></c></row>'
    started = time.monotonic()

    with pytest.raises(TooManyRows) as raised:
        _open_and_count(_workbook_with_sheet(_sheet(far)))

    assert time.monotonic() - started < 5
    assert raised.value.extra["max_rows"] == 1000


def test_blank_csv_lines_count_as_rows(settings):
    settings.IMPORT_MAX_ROWS = 100
    settings.IMPORT_MAX_BLANK_ROWS = 0
    data = b"name,mobile\n" + b"\n" * 500 + b"Li,13800138000\n"

    with pytest.raises(TooManyRows), open_spreadsheet(io.BytesIO(data), name="blank.csv") as sheet:
        sheet.count_rows()


def test_an_enormous_csv_cell_is_refused(settings):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    data = b"name,mobile\n" + b"a" * 5000 + b",13800138000\n"

    with pytest.raises(CellTooLong), open_spreadsheet(io.BytesIO(data), name="long.csv") as sheet:
        sheet.count_rows()


def test_an_ordinary_xlsx_within_every_limit_is_read(settings):
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Li</t></is></c><c r="B%d"><v>13800138000</v></c></row>'
        % (n, n, n)
        for n in range(2, 12)
    )

    assert _open_and_count(_workbook_with_sheet(_sheet(rows))) == 10


def test_the_import_api_answers_a_bomb_with_a_400_naming_the_limit(settings, api, users, store_a):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"y" * 5000 + b"</t></is></c></row>"
    upload = io.BytesIO(_workbook_with_sheet(_sheet(cell)))
    upload.name = "bomb.xlsx"

    response = api(users.a_admin, store_a).post("/api/v1/customers/import", {"file": upload}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "cell_too_long"
    assert body["max_cell_chars"] == 1000
