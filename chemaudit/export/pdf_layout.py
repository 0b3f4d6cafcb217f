"""Drawing the PDF report's parts with fpdf2: headings, a figures table, bar charts, a molecule card."""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

INK = (33, 37, 41)
MUTED = (108, 117, 125)
BAND_COLORS = {"poor": (179, 38, 30), "moderate": (201, 138, 0), "good": (47, 126, 216), "excellent": (34, 112, 58)}


def latin(text: object, limit: int = 300) -> str:
    """Text the PDF's core fonts can show (Latin-1), cut to `limit` characters."""
    value = "" if text is None else str(text)
    if len(value) > limit:
        value = value[:limit - 1] + "..."
    return value.encode("latin-1", "replace").decode("latin-1")


def new_document(title: str) -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(latin(title))
    pdf.set_creator("ChemAudit")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(15, 15, 15)
    return pdf


def heading(pdf: FPDF, text: str, size: int = 14) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.set_text_color(*INK)
    pdf.cell(0, size * 0.6, latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def paragraph(pdf: FPDF, text: str, size: int = 9, color=MUTED) -> None:
    pdf.set_font("Helvetica", "", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, latin(text, 2000), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def figures(pdf: FPDF, rows: Sequence[tuple[str, object]], widths: tuple[float, float] = (80, 40)) -> None:
    """A two-column table of labels and values."""
    pdf.set_text_color(*INK)
    for label, value in rows:
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(widths[0], 6, latin(label), border="B")
        pdf.set_font("Helvetica", "B", 9)
        shown = "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
        pdf.cell(widths[1], 6, latin(shown), border="B", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def bar_chart(pdf: FPDF, title: str, bars: Sequence[tuple[str, int]], colors: dict | None = None,
              empty: str = "None.") -> None:
    """Horizontal bars, one per (label, count), scaled to the largest."""
    heading(pdf, title, 12)
    if not bars:
        paragraph(pdf, empty)
        return
    top = max(count for _, count in bars) or 1
    width = 110.0
    for label, count in bars:
        if pdf.will_page_break(7):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font("Helvetica", "", 9)
        pdf.set_text_color(*INK)
        pdf.cell(50, 6, latin(label, 40))
        pdf.set_fill_color(*(colors or {}).get(label, (47, 126, 216)))
        length = max(0.5, width * count / top) if count else 0
        if length:
            pdf.rect(pdf.l_margin + 52, y + 1, length, 4, style="F")
        pdf.set_xy(pdf.l_margin + 54 + length, y)
        pdf.cell(20, 6, f"{count:,}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def molecule_card(pdf: FPDF, x: float, y: float, width: float, picture: bytes | None, lines: Sequence[str]) -> None:
    """A drawing (or a note that there is none) with a few lines of text under it."""
    size = min(width, 55.0)
    pdf.set_draw_color(220, 220, 220)
    pdf.rect(x, y, width, size + 4 + 4.2 * len(lines))
    if picture is not None:
        pdf.image(io.BytesIO(picture), x=x + (width - size) / 2, y=y + 1, w=size, h=size)
    else:
        pdf.set_xy(x, y + size / 2)
        pdf.set_font("Helvetica", "I", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 5, "(no drawing: the structure could not be read)", align="C")
    pdf.set_text_color(*INK)
    for n, line in enumerate(lines):
        pdf.set_xy(x + 2, y + size + 3 + 4.2 * n)
        pdf.set_font("Helvetica", "B" if n == 0 else "", 8)
        pdf.cell(width - 4, 4, latin(line, 90))
