"""CSV and TSV: a header row, then one row per molecule with the flat columns (UTF-8, no BOM).

Cells follow RFC 4180 (quoted when they hold the delimiter, a double quote, CR or LF; quotes
doubled; lines end with CRLF). A text cell a spreadsheet would take for a formula (see
`guard.py`) is written with an apostrophe in front and quoted, as OWASP recommends, unless the
export asked for `raw_text`. Numbers are numbers, never guarded (a negative score stays `-1.5`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chemaudit.export.base import HEADERS, ExportContext, Row, StreamEncoder, flat_values
from chemaudit.export.guard import FORMULA_STARTS, needs_guard


class DelimitedEncoder(StreamEncoder):
    delimiter = ","

    def __init__(self, raw_text: bool = False, headers: Sequence[str] = HEADERS):
        self.raw_text = raw_text
        self.headers = headers
        self._needs_quotes = re.compile(f'[{re.escape(self.delimiter)}"\r\n]').search

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls(bool(ctx.options.get("raw_text", False)))

    def _cell(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if not isinstance(value, str):
            return str(value)
        if not self.raw_text and needs_guard(value, FORMULA_STARTS):
            return "\"'" + value.replace('"', '""') + '"'
        if self._needs_quotes(value):
            return '"' + value.replace('"', '""') + '"'
        return value

    def line(self, values) -> str:
        """One record: the cells of `values`, joined, with its CRLF."""
        return self.delimiter.join([self._cell(value) for value in values]) + "\r\n"

    def begin(self) -> bytes:
        return self.line(self.headers).encode("utf-8")

    def encode(self, rows: Sequence[Row]) -> bytes:
        return "".join([self.line(flat_values(row)) for row in rows]).encode("utf-8")


class CsvEncoder(DelimitedEncoder):
    delimiter = ","


class TsvEncoder(DelimitedEncoder):
    delimiter = "\t"
