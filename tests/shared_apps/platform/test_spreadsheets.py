"""Reading uploaded spreadsheets (CSV in UTF-8 / GBK, XLSX, limits, broken files) and writing
exports neutralised against formula injection."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from shared_apps.platform import spreadsheets
from shared_apps.platform.spreadsheets import (
    FileTooLarge,
    InvalidColumns,
    InvalidFile,
    TooManyRows,
    csv_cell,
    iter_csv,
    neutralise,
    open_spreadsheet,
    write_xlsx,
    xlsx_cell,
)

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\tcmd", "\rcmd"]


def rows_of(data: bytes, name: str = "file.csv") -> tuple[list[str], list[tuple[int, dict]]]:
    with open_spreadsheet(io.BytesIO(data), name=name) as sheet:
        return sheet.headers, list(sheet.rows())


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class HugeFile(io.RawIOBase):
    """A file that claims to be huge and fails the test if anything reads it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_calls = 0

    def readable(self) -> bool:
        return True

    def read(self, n=-1):
        self.read_calls += 1
        raise AssertionError("the file was read")


# --- reading CSV ------------------------------------------------------------------------------


def test_utf8_csv_is_read_with_its_header():
    headers, rows = rows_of("姓名,手机\n张三,13800138000\n".encode())

    assert headers == ["姓名", "手机"]
    assert rows == [(2, {"姓名": "张三", "手机": "13800138000"})]


def test_utf8_csv_with_a_byte_order_mark_loses_the_mark():
    headers, rows = rows_of("\ufeffname,mobile\nAda,13800138000\n".encode())

    assert headers == ["name", "mobile"]
    assert rows[0][1]["name"] == "Ada"


def test_gbk_csv_from_chinese_excel_is_decoded():
    headers, rows = rows_of("姓名,城市\n李四,广州\n".encode("gbk"))

    assert headers == ["姓名", "城市"]
    assert rows == [(2, {"姓名": "李四", "城市": "广州"})]


def test_blank_rows_are_skipped_and_row_numbers_follow_the_file():
    _headers, rows = rows_of(b"name\nA\n,\n\nB\n")

    assert [number for number, _row in rows] == [2, 5]


def test_semicolon_separated_csv_is_recognised():
    headers, rows = rows_of(b"name;mobile\nAda;13800138000\n")

    assert headers == ["name", "mobile"]
    assert rows[0][1]["mobile"] == "13800138000"


def test_missing_cells_read_as_empty_text():
    _headers, rows = rows_of(b"name,city,mobile\nAda\n")

    assert rows[0][1] == {"name": "Ada", "city": "", "mobile": ""}


def test_neutralised_cells_of_an_export_lose_their_apostrophe_when_read_again():
    _headers, rows = rows_of(b"name,mobile\n'=1+1,'+86 138 0013 8000\n")

    assert rows[0][1] == {"name": "=1+1", "mobile": "+86 138 0013 8000"}


def test_a_header_named_twice_is_refused():
    with pytest.raises(InvalidColumns) as error:
        rows_of(b"name,name\nA,B\n")

    assert error.value.extra["duplicate"] == ["name"]


def test_an_empty_file_is_invalid():
    with pytest.raises(InvalidFile):
        rows_of(b"")


def test_binary_garbage_is_invalid():
    with pytest.raises(InvalidFile):
        rows_of(bytes(range(256)) * 4)


def test_legacy_xls_is_refused_with_advice():
    with pytest.raises(InvalidFile) as error:
        rows_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, name="old.xls")

    assert error.value.code == "invalid_file"
    assert ".xlsx" in error.value.detail


# --- reading XLSX -----------------------------------------------------------------------------


def test_xlsx_numbers_and_dates_read_as_people_see_them():
    import datetime

    data = xlsx_bytes([["姓名", "手机", "金额", "日期"], ["王五", 13800138000, 12.5, datetime.datetime(2025, 3, 1)]])

    headers, rows = rows_of(data, name="customers.xlsx")

    assert headers == ["姓名", "手机", "金额", "日期"]
    assert rows == [(2, {"姓名": "王五", "手机": "13800138000", "金额": "12.5", "日期": "2025-03-01"})]


def test_xlsx_is_recognised_by_content_whatever_its_name():
    headers, _rows = rows_of(xlsx_bytes([["name"], ["A"]]), name="upload.csv")

    assert headers == ["name"]


def test_broken_xlsx_is_invalid():
    data = xlsx_bytes([["name"], ["A"]])

    with pytest.raises(InvalidFile) as error:
        rows_of(data[: len(data) // 2], name="broken.xlsx")

    assert error.value.code == "invalid_file"
    assert error.value.status == 400


def test_text_named_xlsx_is_invalid():
    with pytest.raises(InvalidFile):
        rows_of(b"name\nA\n", name="fake.xlsx")


# --- limits -----------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_without_being_read(settings):
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    huge = HugeFile(50 * 1024 * 1024)

    with pytest.raises(FileTooLarge) as error:
        open_spreadsheet(huge, name="huge.csv")

    assert huge.read_calls == 0
    assert error.value.status == 413
    assert error.value.code == "file_too_large"


def test_the_size_of_a_plain_stream_is_found_by_seeking(settings):
    settings.IMPORT_MAX_BYTES = 10

    with pytest.raises(FileTooLarge):
        open_spreadsheet(io.BytesIO(b"name\n" + b"A" * 100))


def test_more_rows_than_the_limit_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    with open_spreadsheet(io.BytesIO(b"name\n1\n2\n3\n4\n")) as sheet, pytest.raises(TooManyRows) as error:
        sheet.count_rows()

    assert error.value.code == "too_many_rows"


def test_rows_up_to_the_limit_are_counted(settings):
    settings.IMPORT_MAX_ROWS = 3
    with open_spreadsheet(io.BytesIO(b"name\n1\n2\n3\n")) as sheet:
        assert sheet.count_rows() == 3


# --- writing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


def test_plain_text_is_unchanged():
    assert neutralise("张三 +86") == "张三 +86"


def test_numbers_stay_numbers_in_csv_and_xlsx():
    assert csv_cell(-1) == "-1"
    assert xlsx_cell(-1) == -1
    assert xlsx_cell(12.5) == 12.5


def test_csv_export_is_utf8_with_bom_and_inert():
    data = b"".join(iter_csv(["name", "amount"], [[text, -3] for text in DANGEROUS[:4]]))

    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")",-3'
    assert lines[2:5] == ["'+1,-3", "'-1+1,-3", "'@SUM(A1),-3"]


def test_xlsx_export_cells_are_inert_text_and_numbers_stay_numbers():
    buffer = io.BytesIO()
    write_xlsx(buffer, ["name", "amount"], [[text, 7] for text in DANGEROUS[:4]], title="Customers")
    buffer.seek(0)

    sheet = openpyxl.load_workbook(buffer).active

    values = [(row[0].value, row[0].data_type, row[1].value, row[1].data_type) for row in sheet.iter_rows(min_row=2)]
    assert values == [("'" + text, "s", 7, "n") for text in DANGEROUS[:4]]


def test_xlsx_export_drops_control_characters_openpyxl_refuses():
    buffer = io.BytesIO()
    write_xlsx(buffer, ["name"], [["bad\x00name\x07"]])
    buffer.seek(0)

    assert openpyxl.load_workbook(buffer).active["A2"].value == "badname"


def test_csv_response_streams_an_attachment_with_a_chinese_name():
    response = spreadsheets.csv_response(filename="客户.csv", header=["a"], rows=[["=1"]])

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).endswith(b"'=1\r\n")


def test_unknown_export_format_is_a_validation_error():
    from shared_apps.platform.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        spreadsheets.spreadsheet_response(fmt="pdf", filename_stem="x", header=[], rows=[])


def test_xlsx_response_sends_bytes_before_every_row_is_read():
    consumed = []

    def rows():
        for number in range(5000):
            consumed.append(number)
            yield [number, f"row {number}"]

    response = spreadsheets.xlsx_response(filename="x.xlsx", header=["n", "text"], rows=rows())
    chunks = iter(response.streaming_content)
    first, second = next(chunks), next(chunks)

    assert response.streaming
    assert first.startswith(b"PK")
    assert second
    assert len(consumed) < 5000


def test_streamed_xlsx_reads_back_with_types():
    buffer = io.BytesIO()
    when = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    write_xlsx(buffer, ["amount", "when", "day", "ok"], [[Decimal("12.50"), when, date(2026, 3, 1), True]])
    buffer.seek(0)

    row = next(openpyxl.load_workbook(buffer).active.iter_rows(min_row=2, values_only=True))

    assert row == (12.5, datetime(2026, 3, 1, 23, 30), datetime(2026, 3, 1), True)
