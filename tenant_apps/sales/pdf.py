"""The quotation as a PDF a customer can read: store name, number, customer, lines, totals,
validity and notes. Chinese text is set in Noto Sans SC (SIL Open Font License, from the
``@expo-google-fonts/noto-sans-sc`` front-end package), embedded as a subset of the glyphs used;
without that file, reportlab's built-in CID font STSong-Light is used instead."""

from __future__ import annotations

import io
import logging
import threading
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


def quotation_pdf(*, quotation: Quotation) -> bytes:
    font = pdf_font()
    store = current_store()
    tz = store_zone()
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=14)
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4)
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=12, textColor=colors.grey)

    def para(text, style=base) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Quotation %(number)s") % {"number": quotation.number},
        author=store.name if store else "",
    )
    customer = quotation.customer
    story = [
        para(store.name if store else "", title),
        para(_("Quotation %(number)s") % {"number": quotation.number}, ParagraphStyle("h2", parent=base, fontSize=13)),
        Spacer(1, 4 * mm),
        para(_("Customer: %(name)s") % {"name": customer.name}),
    ]
    if customer.company:
        story.append(para(_("Company: %(company)s") % {"company": customer.company}))
    story += [
        para(_("Date: %(date)s") % {"date": timezone.localtime(quotation.created_at, tz).date().isoformat()}),
        para(_("Valid until: %(date)s") % {"date": quotation.valid_until.isoformat()}),
        Spacer(1, 5 * mm),
    ]
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
    table = Table(rows, colWidths=[10 * mm, 28 * mm, 56 * mm, 14 * mm, 18 * mm, 24 * mm, 24 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -2), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (5, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    story += [table, Spacer(1, 5 * mm)]
    if quotation.notes:
        story += [para(_("Notes")), para(quotation.notes), Spacer(1, 3 * mm)]
    story.append(
        para(_("Prices in CNY. This quotation is valid until %(date)s.") % {"date": quotation.valid_until}, small)
    )
    doc.build(story)
    return buffer.getvalue()
