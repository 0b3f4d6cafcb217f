"""JSON (one document: the job, its statistics and every result item) and NDJSON (an item a line).

Rows carry the item either pre-serialised by the database (`item_json`, passed through
untouched) or as a stored result row (turned into the API item with `to_item`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from chemaudit.export.base import ExportContext, Row, StreamEncoder
from chemaudit.result_rows import rows_to_json, to_item


def item_text(row: Row) -> str:
    text = row.get("item_json")
    if isinstance(text, str):
        return text
    return rows_to_json([to_item(row)])[1:-1]


class JsonEncoder(StreamEncoder):
    """{"job_id": ..., <other header fields>, "results": [item, ...]}"""

    needs_statistics = True

    def __init__(self, header: dict | None = None):
        self.header = header or {}
        self._first = True

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls(dict(ctx.header))

    def begin(self) -> bytes:
        head = json.dumps(self.header, ensure_ascii=False, default=str, separators=(",", ":"))
        opening = head[:-1] + ("," if self.header else "") + '"results":['
        return opening.encode("utf-8")

    def encode(self, rows: Sequence[Row]) -> bytes:
        if not rows:
            return b""
        joined = ",\n".join(item_text(row) for row in rows)
        prefix = "\n" if self._first else ",\n"
        self._first = False
        return (prefix + joined).encode("utf-8")

    def end(self) -> bytes:
        return b"\n]}\n" if not self._first else b"]}\n"


class NdjsonEncoder(StreamEncoder):
    def encode(self, rows: Sequence[Row]) -> bytes:
        return "".join(item_text(row) + "\n" for row in rows).encode("utf-8")
