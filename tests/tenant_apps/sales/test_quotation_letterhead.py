"""The quotation PDF with the store's letterhead (name, logo, address, contacts, bank account from
the letterhead page), the amount in Chinese capitals, the tax note, terms and a stamp area."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from tenant_apps.sales.pdf import amount_in_capitals
from tests.dates import iso_day
from tests.tenant_apps.sales.conftest import lines

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(".run/screenshots")


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 120), (31, 78, 121)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.50", "壹仟贰佰叁拾肆元伍角"),
        ("300.00", "叁佰元整"),
        ("100010.01", "壹拾万零壹拾元零壹分"),
        ("0.05", "伍分"),
        ("0", "零元整"),
    ],
)
def test_amounts_are_written_in_chinese_capitals(amount, words):
    assert amount_in_capitals(Decimal(amount)) == words


def test_a_store_admin_fills_in_the_letterhead_and_a_salesperson_may_not(page_client, users, store_a):
    data = {"company_name": "杭州托盘有限公司", "address": "杭州市余杭区文一西路 1 号", "phone": "0571-8888 6666"}

    saved = page_client(users.a_admin, store_a).post("/settings/letterhead/", data)
    refused = page_client(users.a_sales, store_a).post("/settings/letterhead/", {"company_name": "x"})

    assert saved.status_code == 302
    assert refused.status_code == 403
    html = page_client(users.a_admin, store_a).get("/settings/letterhead/").content.decode()
    assert "杭州托盘有限公司" in html


def test_a_logo_that_is_not_an_image_is_refused_and_nothing_is_saved(page_client, users, store_a, in_store):
    response = page_client(users.a_admin, store_a).post(
        "/settings/letterhead/", {"company_name": "Kept out", "logo": SimpleUploadedFile("logo.png", b"not an image")}
    )

    assert response.status_code == 422
    with in_store(store_a):
        from tenant_apps.workspace.selectors import letterhead_get

        assert letterhead_get().company_name != "Kept out"


def test_the_pdf_carries_the_letterhead_capitals_tax_note_terms_and_stamp_area(
    api, page_client, users, store_a, catalogue, customer
):
    page_client(users.a_admin, store_a).post(
        "/settings/letterhead/",
        {
            "company_name": "杭州托盘有限公司",
            "address": "杭州市余杭区文一西路 1 号",
            "contact_person": "王芳",
            "phone": "0571-8888 6666",
            "email": "sales@hz-pallets.example",
            "bank_name": "中国工商银行杭州分行",
            "bank_account": "1202 0000 1234 5678 901",
            "tax_number": "91330100MA2XXXXX1X",
            "tax_note": "以上价格含 13% 增值税",
            "terms": "款到发货；运费另计。",
            "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png"),
        },
    )
    body = {"customer": customer.pk, "lines": lines((catalogue["p1"], 3, "95.00")), "valid_until": iso_day(10)}
    quotation = api(users.a_sales, store_a).post("/api/v1/quotations", body, format="json").json()

    response = page_client(users.a_sales, store_a).get(f"/sales/quotations/{quotation['id']}/pdf/")

    assert response.status_code == 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "quotation.pdf").write_bytes(response.content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("杭州托盘有限公司", "文一西路", "0571-8888 6666", "1202 0000 1234 5678 901", "贰佰捌拾伍元整"):
        assert expected in text, expected
    assert "13%" in text and "运费另计" in text
    assert "(stamp)" in text or "盖章" in text
