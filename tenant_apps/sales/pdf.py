"""The quotation as a PDF a customer can read: store name, number, customer, lines, totals,
validity and notes. Chinese text is set in Noto Sans SC (SIL Open Font License, from the
``@expo-google-fonts/noto-sans-sc`` front-end package), embedded as a subset of the glyphs used;
without that file, reportlab's built-in CID font STSong-Light is used instead."""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tenant_apps.sales.models import Quotation, QuotationLine
from tenants.storetime import current_store, store_zone

logger = logging.getLogger(__name__)

FONT_RELATIVE = "node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
FONT_NAME = "NotoSansSC"
FALLBACK_FONT = "STSong-Light"
_lock = threading.Lock()
_font: str | None = None


def font_path() -> Path:
    return Path(getattr(settings, "QUOTATION_PDF_FONT", "") or Path(settings.BASE_DIR) / FONT_RELATIVE)


def pdf_font() -> str:
    """The registered font's name (registered once per process)."""
    global _font
    if _font is not None:
        return _font
    with _lock:
        if _font is None:
            try:
                from reportlab.pdfbase.ttfonts import TTFont

                pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
                _font = FONT_NAME
            except Exception:  # noqa: BLE001 - any unreadable font file falls back to the CID font
                logger.warning("quotation PDF font %s not usable; using %s", font_path(), FALLBACK_FONT)
                from reportlab.pdfbase.cidfonts import UnicodeCIDFont

                pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
                _font = FALLBACK_FONT
    return _font


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def amount_in_capitals(value: Decimal) -> str:
    """An amount of yuan in Chinese capitals (大写金额) as written on Chinese commercial documents,
    e.g. ``1234.50`` → ``壹仟贰佰叁拾肆元伍角`` (cn2an's ``rmb`` mode); ``零元整`` for nothing."""
    import cn2an

    value = Decimal(value).quantize(Decimal("0.01"))
    if value == 0:
        return "零元整"
    text = cn2an.an2cn(f"{abs(value):f}", "rmb")
    return f"负{text}" if value < 0 else text


def _logo(letterhead, height: float):
    """The letterhead's logo as a flowable of ``height`` (None without a readable one)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    if not letterhead.logo:
        return None
    try:
        with letterhead.logo.open("rb") as handle:
            data = io.BytesIO(handle.read())
        width, h = ImageReader(data).getSize()
        data.seek(0)
        return Image(data, width=height * width / h, height=height)
    except Exception:  # noqa: BLE001 - a missing or unreadable logo leaves the head without it
        logger.warning("letterhead logo %s not usable", letterhead.logo.name)
        return None


@dataclass(frozen=True)
class _Styles:
    """The paragraph styles of the quotation, all in the one font."""

    base: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    small: ParagraphStyle
    stamp: ParagraphStyle

    @classmethod
    def in_font(cls, font: str) -> _Styles:
        base = ParagraphStyle("base", fontName=font, fontSize=10, leading=14)
        return cls(
            base=base,
            title=ParagraphStyle("title", parent=base, fontSize=16, leading=22),
            heading=ParagraphStyle(
                "heading", parent=base, fontSize=20, leading=26, alignment=1, spaceBefore=2, spaceAfter=2
            ),
            small=ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")),
            stamp=ParagraphStyle("stamp", parent=base, fontSize=9, leading=13),
        )

    def para(self, text, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style or self.base)


def quotation_pdf(*, quotation: Quotation) -> bytes:
    from tenant_apps.workspace.selectors import letterhead_get

    font = pdf_font()
    store = current_store()
    head = letterhead_get()
    styles = _Styles.in_font(font)
    para = styles.para
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=_("Quotation %(number)s") % {"number": quotation.number},
        author=head.company_name or (store.name if store else ""),
    )
    width = A4[0] - 36 * mm
    seller = head.company_name or (store.name if store else "")
    story = [
        _letterhead(head, seller=seller, width=width, styles=styles),
        Spacer(1, 3 * mm),
        para(_("Quotation"), styles.heading),
        Spacer(1, 2 * mm),
        _heading_table(quotation, width=width, styles=styles),
        Spacer(1, 4 * mm),
    ]
    story += [_lines_table(quotation, styles=styles), Spacer(1, 4 * mm)]
    story += _closing_notes(quotation, head, seller=seller, styles=styles)
    story += [Spacer(1, 6 * mm), _stamps(quotation.customer, seller=seller, width=width, styles=styles)]
    doc.build(story)
    return buffer.getvalue()


def _letterhead(head, *, seller: str, width: float, styles: _Styles) -> Table:
    """The seller's name, address and contacts, beside the logo when there is one, underlined."""
    para, small = styles.para, styles.small
    contact_bits = [
        _("Address: %(value)s") % {"value": head.address} if head.address else "",
        " · ".join(
            bit
            for bit in (
                _("Contact: %(value)s") % {"value": head.contact_person} if head.contact_person else "",
                _("Phone: %(value)s") % {"value": head.phone} if head.phone else "",
                head.email,
            )
            if bit
        ),
    ]
    letter = [para(seller, styles.title)] + [para(bit, small) for bit in contact_bits if bit]
    logo = _logo(head, 16 * mm)
    head_row = [[logo, letter]] if logo is not None else [[letter]]
    head_table = Table(head_row, colWidths=[24 * mm, width - 24 * mm] if logo is not None else [width])
    head_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, colors.HexColor("#1f4e79")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    return head_table


def _heading_table(quotation: Quotation, *, width: float, styles: _Styles) -> Table:
    """The customer and company beside the number, the date and the validity."""
    para = styles.para
    customer = quotation.customer
    created = timezone.localtime(quotation.created_at, store_zone()).date().isoformat()
    info = [
        [
            para(_("Customer: %(name)s") % {"name": customer.name}),
            para(_("No.: %(number)s") % {"number": quotation.number}),
        ],
        [
            para(_("Company: %(company)s") % {"company": customer.company} if customer.company else ""),
            para(_("Date: %(date)s") % {"date": created}),
        ],
        [para(""), para(_("Valid until: %(date)s") % {"date": quotation.valid_until.isoformat()})],
    ]
    info_table = Table(info, colWidths=[width * 0.6, width * 0.4])
    info_table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    return info_table


def _lines_table(quotation: Quotation, *, styles: _Styles) -> Table:
    """The lines, the total and the amount in words."""
    para = styles.para
    header = [_("No."), _("SKU"), _("Product"), _("Unit"), _("Quantity"), _("Unit price"), _("Amount")]
    rows = [[para(h) for h in header]]
    lines = QuotationLine.objects.filter(quotation_id=quotation.pk).order_by("position", "id")
    for index, line in enumerate(lines, start=1):
        rows.append(
            [
                para(index),
                para(line.sku),
                para(line.product_name),
                para(line.unit),
                para(line.quantity),
                para(_money(line.unit_price)),
                para(_money(line.amount)),
            ]
        )
    rows.append(["", "", "", "", "", para(_("Total")), para(_money(quotation.amount))])
    rows.append(
        [
            para(_("Amount in words (CNY): %(words)s") % {"words": amount_in_capitals(quotation.amount)}),
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    table = Table(rows, colWidths=[12 * mm, 27 * mm, 55 * mm, 14 * mm, 18 * mm, 24 * mm, 24 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -3), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (5, -2), (-1, -2), 0.8, colors.black),
                ("SPAN", (0, -1), (-1, -1)),
                ("BOX", (0, -1), (-1, -1), 0.4, colors.grey),
            ]
        )
    )
    return table


def _closing_notes(quotation: Quotation, head, *, seller: str, styles: _Styles) -> list:
    """The tax note and validity, then the notes, the terms and the bank details when there are any."""
    para, small = styles.para, styles.small
    tax_note = head.tax_note or _("Prices in CNY.")
    validity = _("This quotation is valid until %(date)s.") % {"date": quotation.valid_until}
    story = [para(tax_note, small), para(validity, small)]
    if quotation.notes:
        story += [Spacer(1, 2 * mm), para(_("Notes")), para(quotation.notes)]
    if head.terms:
        story += [Spacer(1, 3 * mm), para(_("Terms")), para(head.terms, small)]
    bank = [
        bit
        for bit in (
            _("Bank: %(value)s") % {"value": head.bank_name} if head.bank_name else "",
            _("Account: %(value)s") % {"value": head.bank_account} if head.bank_account else "",
            _("Account name: %(value)s") % {"value": seller} if head.bank_account else "",
            _("Tax number: %(value)s") % {"value": head.tax_number} if head.tax_number else "",
        )
        if bit
    ]
    if bank:
        story += [Spacer(1, 3 * mm)] + [para(bit, small) for bit in bank]
    return story


def _stamps(customer, *, seller: str, width: float, styles: _Styles) -> Table:
    """The seller's and the buyer's boxes for stamp, signature and date."""
    para, small, stamp_style = styles.para, styles.small, styles.stamp
    stamp = Table(
        [
            [para(_("Seller (stamp)"), stamp_style), para(_("Buyer (stamp)"), stamp_style)],
            [para(seller, small), para(customer.company or customer.name, small)],
            [para(_("Signature:"), stamp_style), para(_("Signature:"), stamp_style)],
            [para(_("Date:"), stamp_style), para(_("Date:"), stamp_style)],
        ],
        colWidths=[width / 2, width / 2],
        rowHeights=[8 * mm, 24 * mm, 8 * mm, 8 * mm],
    )
    stamp.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (0, -1), 0.5, colors.grey),
                ("BOX", (1, 0), (1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return stamp
