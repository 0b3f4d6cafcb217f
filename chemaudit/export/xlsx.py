"""XLSX written as a stream: a zip whose sheet entries are deflated row by row.

Nothing is buffered beyond one batch of rows: the zip goes to a sink that `encode` drains, with
data descriptors after each entry (the output is never seeked). Sheets come first; the parts
that list them (workbook, relationships, content types) are written at the end, once their
number is known. A sheet holds at most 1,048,575 data rows (Excel's limit, with the header);
more rows continue on "Results 2", "Results 3", ... so nothing is ever cut off.

Text is stored as inline strings, never as formulas, whatever it starts with; text starting
with `=`, `+`, `-`, `@`, tab or CR also gets the "quote prefix" style, so that editing it in a
spreadsheet keeps it text. Its value is never changed, except for what XML 1.0 cannot carry
(control characters other than tab, LF and CR; U+FFFE, U+FFFF; lone surrogates), which becomes
U+FFFD, and text over Excel's 32,767 characters, which is cut (ending with U+2026). A CR is
written as a character reference, which XML readers do not turn into LF.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

from chemaudit.export.base import HEADERS, Row, flat_values
from chemaudit.export.guard import FORMULA_STARTS
from chemaudit.export import xlsx_parts

EXCEL_MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
_CR = {"\r": "&#13;"}  # a literal CR would be read back as LF (XML end-of-line handling)
_FORMULA_STYLE = ' s="2"'
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class _Sink:
    """A write-only file that hands back what was written since the last drain."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _text_cell(text: str, style: str = "") -> str:
    text = _ILLEGAL_XML.sub("\ufffd", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS - 1] + "\u2026"
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c t="inlineStr"{style}><is><t{space}>{escape(text, _CR)}</t></is></c>'


def _cell(value) -> str:
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, float):
        return f"<c><v>{value!r}</v></c>" if math.isfinite(value) else "<c/>"
    text = str(value)
    return _text_cell(text, _FORMULA_STYLE if text.startswith(FORMULA_STARTS) else "")


class XlsxEncoder:
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def __init__(self, rows_per_sheet: int = EXCEL_MAX_ROWS - 1, large: bool = True):
        """`large`: allow entries over 4 GiB (zip64); turn off only for known-small exports."""
        self.rows_per_sheet = rows_per_sheet
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._large = large
        self._sheet = None
        self._sheets = 0
        self._row_no = 0  # rows written to the current sheet, header included

    def _open_sheet(self) -> None:
        self._sheets += 1
        name = f"xl/worksheets/sheet{self._sheets}.xml"
        self._sheet = self._zip.open(name, "w", force_zip64=self._large)
        header = "".join(_text_cell(title, ' s="1"') for title in HEADERS)
        self._sheet.write((xlsx_parts.SHEET_START + f'<row r="1">{header}</row>').encode("utf-8"))
        self._row_no = 1

    def _close_sheet(self) -> None:
        self._sheet.write(xlsx_parts.SHEET_END.encode("utf-8"))
        self._sheet.close()
        self._sheet = None

    def begin(self) -> bytes:
        self._open_sheet()
        return self._sink.drain()

    def encode(self, rows: Sequence[Row]) -> bytes:
        pieces: list[str] = []
        for row in rows:
            if self._row_no > self.rows_per_sheet:
                self._sheet.write("".join(pieces).encode("utf-8"))
                pieces = []
                self._close_sheet()
                self._open_sheet()
            self._row_no += 1
            cells = "".join(_cell(value) for value in flat_values(row))
            pieces.append(f'<row r="{self._row_no}">{cells}</row>')
        if pieces:
            self._sheet.write("".join(pieces).encode("utf-8"))
        return self._sink.drain()

    def end(self) -> bytes:
        self._close_sheet()
        for name, text in xlsx_parts.package_parts(self._sheets).items():
            self._zip.writestr(name, text)
        self._zip.close()
        return self._sink.drain()
