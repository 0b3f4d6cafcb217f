"""Streaming export writers: csv, tsv, sdf, json, ndjson, xlsx over batches of result rows."""

from __future__ import annotations

from chemaudit.export.base import FLAT_COLUMNS, HEADERS, Encoder, flat_values, iter_encode
from chemaudit.export.delimited import DelimitedEncoder
from chemaudit.export.jsonish import JsonEncoder, NdjsonEncoder
from chemaudit.export.sdf import SdfEncoder
from chemaudit.export.xlsx import XlsxEncoder

FORMATS = ("csv", "tsv", "sdf", "json", "ndjson", "xlsx")
# The row shape each format needs from the database (see results_queries.export_rows).
ROW_SHAPES = {"csv": "flat", "tsv": "flat", "xlsx": "flat", "sdf": "sdf", "json": "item", "ndjson": "item"}
ZIP64_ROWS = 250_000  # above this many rows an XLSX sheet may pass 4 GiB: write zip64 entries


def make_encoder(fmt: str, *, header: dict | None = None, row_count: int | None = None,
                 raw_text: bool = False) -> Encoder:
    """The encoder of one format. `header`: the JSON document's fields before "results";
    `raw_text`: CSV/TSV text cells as stored, without the formula guard (see export/guard.py)."""
    if fmt == "csv":
        return DelimitedEncoder(",", raw_text)
    if fmt == "tsv":
        return DelimitedEncoder("\t", raw_text)
    if fmt == "sdf":
        return SdfEncoder()
    if fmt == "json":
        return JsonEncoder(header)
    if fmt == "ndjson":
        return NdjsonEncoder()
    if fmt == "xlsx":
        return XlsxEncoder(large=row_count is None or row_count > ZIP64_ROWS)
    raise ValueError(f"unknown export format {fmt!r}")


__all__ = ["FLAT_COLUMNS", "FORMATS", "HEADERS", "ROW_SHAPES", "Encoder", "flat_values",
           "iter_encode", "make_encoder"]
