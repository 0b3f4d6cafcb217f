"""Upload records as rows of COPY's text format, built in one piece per batch of records.

The upload handler makes these in a worker thread and hands the event loop a single bytes object
per batch: formatting a row per `write_row` call on the loop cost it tens of milliseconds for
each decompressed gzip piece.
"""

from __future__ import annotations

from collections.abc import Iterable

from chemaudit.ingest.records import Record

NULL = "\\N"


def escape(value: str | None) -> str:
    """A field in COPY text format: backslash, newline, carriage return and tab escaped."""
    if value is None:
        return NULL
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\n" in value or "\r" in value or "\t" in value:
        value = value.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return value


def job_input_rows(job_key: str, records: Iterable[Record], max_name: int) -> bytes:
    """The rows of `queries.copy_job_inputs()` (job_id, idx, name, kind, text, error) for these records."""
    return "".join(
        f"{job_key}\t{r.idx}\t{escape(r.name[:max_name])}\t{r.kind}\t{escape(r.text)}\t{escape(r.error)}\n"
        for r in records
    ).encode()
