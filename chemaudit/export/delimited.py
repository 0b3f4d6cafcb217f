"""CSV and TSV: a header row, then one row per molecule with the flat columns (UTF-8, no BOM)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from chemaudit.export.base import HEADERS, Row, flat_values


def _text(value) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


class DelimitedEncoder:
    def __init__(self, delimiter: str = ","):
        self.delimiter = delimiter
        if delimiter == "\t":
            self.content_type, self.extension = "text/tab-separated-values; charset=utf-8", "tsv"
        else:
            self.content_type, self.extension = "text/csv; charset=utf-8", "csv"

    def _lines(self, rows) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8")

    def begin(self) -> bytes:
        return self._lines([HEADERS])

    def encode(self, rows: Sequence[Row]) -> bytes:
        return self._lines([_text(value) for value in flat_values(row)] for row in rows)

    def end(self) -> bytes:
        return b""
