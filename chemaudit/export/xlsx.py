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
from typing import Any
from xml.sax.saxutils import escape

from chemaudit.export import xlsx_parts
from chemaudit.export.base import HEADERS, ExportContext, Row, StreamEncoder, flat_values
from chemaudit.export.guard import FORMULA_STARTS
from chemaudit.export.zipstream import ZipStream, is_large

EXCEL_MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
_CR = {"\r": "&#13;"}  # a literal CR would be read back as LF (XML end-of-line handling)
_FORMULA_STYLE = ' s="2"'
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


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


class Workbook:
    """The sheets of one XLSX package, written one after the other into a zip writer.

    A sheet holds at most `rows_per_sheet` data rows; more continue on "<title> 2", ... with the
    same header. `finish()` writes the parts that list the sheets.
    """

    def __init__(self, target: zipfile.ZipFile, large: bool, rows_per_sheet: int = EXCEL_MAX_ROWS - 1):
        self.zip, self.large, self.rows_per_sheet = target, large, rows_per_sheet
        self.names: list[str] = []
        self.row_no = 0  # rows written to the current sheet, header included
        self._sheet: Any = None  # the open IO[bytes] entry between _open and _close
        self._family: Any = None  # (title, headers, columns, tail) of the current sheet, from start_sheet

    def start_sheet(self, title: str, headers: Sequence[str], columns: str = "", tail: str = "") -> None:
        """A new sheet; `columns`: its <cols> element, `tail`: what follows its rows (first part only)."""
        self.end_sheet()
        self._family = (title, headers, columns, tail)
        self._open(title, tail)

    def _open(self, name: str, tail: str) -> None:
        self.names.append(name)
        self._tail = tail
        part = f"xl/worksheets/sheet{len(self.names)}.xml"
        self._sheet = self.zip.open(part, "w", force_zip64=self.large)
        title, headers, columns, _ = self._family
        header = "".join(_text_cell(str(text), ' s="1"') for text in headers)
        self._sheet.write((xlsx_parts.sheet_start(columns) + f'<row r="1">{header}</row>').encode("utf-8"))
        self.row_no = 1

    def add_rows(self, rows: Sequence[Sequence], height: float | None = None) -> None:
        """Rows of cell values; `height` (points) for each of them, else the default."""
        size = f' ht="{height:g}" customHeight="1"' if height else ""
        pieces: list[str] = []
        for values in rows:
            if self.row_no > self.rows_per_sheet:
                self._sheet.write("".join(pieces).encode("utf-8"))
                pieces = []
                self._continue()
            self.row_no += 1
            pieces.append(f'<row r="{self.row_no}"{size}>{"".join(_cell(value) for value in values)}</row>')
        if pieces:
            self._sheet.write("".join(pieces).encode("utf-8"))

    def _continue(self) -> None:
        title = self._family[0]
        parts = sum(1 for name in self.names if name == title or name.startswith(title + " "))
        self._close()
        self._open(f"{title} {parts + 1}", "")

    def _close(self) -> None:
        self._sheet.write(xlsx_parts.sheet_end(self._tail).encode("utf-8"))
        self._sheet.close()
        self._sheet = None

    def end_sheet(self) -> None:
        if self._sheet is not None:
            self._close()

    def finish(self, defaults: str = "", overrides: str = "") -> None:
        self.end_sheet()
        for name, text in xlsx_parts.package_parts(self.names, defaults, overrides).items():
            self.zip.writestr(name, text)


class XlsxEncoder(StreamEncoder):
    """One "Results" sheet (continued on "Results 2", ...) with the flat columns."""

    def __init__(self, rows_per_sheet: int = EXCEL_MAX_ROWS - 1, large: bool = True):
        """`large`: allow entries over 4 GiB (zip64); turn off only for known-small exports."""
        self._stream = ZipStream(large)
        self.book = Workbook(self._stream.zip, large, rows_per_sheet)

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls(large=is_large(ctx.row_count))

    def begin(self) -> bytes:
        self.book.start_sheet("Results", HEADERS)
        return self._stream.drain()

    def encode(self, rows: Sequence[Row]) -> bytes:
        self.book.add_rows([flat_values(row) for row in rows])
        return self._stream.drain()

    def end(self) -> bytes:
        self.book.finish()
        return self._stream.close()
