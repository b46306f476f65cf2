"""Small, valid PDFs as the emulated carriers return them: a label per parcel whose text holds
the tracking number above its Code 128 barcode, and a one-page summary (a manifest)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

LABEL_SIZE = (100 * mm, 150 * mm)


@dataclass(frozen=True)
class LabelPage:
    """One parcel's label: who sends, who receives, the service and the tracking number."""

    carrier: str
    tracking_number: str
    service: str = ""
    sender: Sequence[str] = ()
    receiver: Sequence[str] = ()
    reference: str = ""


def _new_canvas(buffer: io.BytesIO, size: tuple[float, float], title: str) -> canvas.Canvas:
    pdf = canvas.Canvas(buffer, pagesize=size, invariant=1)
    pdf.setTitle(title)
    pdf.setAuthor("Kucun sandbox")
    return pdf


def label_pdf(pages: Sequence[LabelPage]) -> bytes:
    """A label PDF with one page per parcel."""
    buffer = io.BytesIO()
    width, height = LABEL_SIZE
    title = ", ".join(page.tracking_number for page in pages)
    pdf = _new_canvas(buffer, LABEL_SIZE, f"Label {title}")
    for page in pages:
        y = height - 12 * mm
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(6 * mm, y, page.carrier)
        pdf.setFont("Helvetica", 9)
        if page.service:
            pdf.drawRightString(width - 6 * mm, y, page.service)
        y -= 10 * mm
        for heading, lines in (("FROM", page.sender), ("TO", page.receiver)):
            pdf.setFont("Helvetica-Bold", 8)
            pdf.drawString(6 * mm, y, heading)
            pdf.setFont("Helvetica", 9)
            for line in lines:
                y -= 4.5 * mm
                pdf.drawString(10 * mm, y, line[:60])
            y -= 7 * mm
        if page.reference:
            pdf.drawString(6 * mm, y, f"Ref: {page.reference}")
        barcode = code128.Code128(page.tracking_number, barHeight=22 * mm, barWidth=0.33 * mm)
        barcode.drawOn(pdf, max(2 * mm, (width - barcode.width) / 2), 24 * mm)
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawCentredString(width / 2, 16 * mm, page.tracking_number)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def summary_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A plain A4 document: a title and its lines (a manifest's shipments)."""
    buffer = io.BytesIO()
    pdf = _new_canvas(buffer, A4, title)
    _width, height = A4
    y = height - 20 * mm
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(20 * mm, y, title)
    pdf.setFont("Helvetica", 9)
    for line in lines:
        y -= 5 * mm
        if y < 20 * mm:
            pdf.showPage()
            pdf.setFont("Helvetica", 9)
            y = height - 20 * mm
        pdf.drawString(20 * mm, y, line[:110])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
