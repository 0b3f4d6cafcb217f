"""Duplicates: a zip of the unique structures and of every molecule with its group, by InChIKey.

Groups are made in SQL over the exported rows (results_queries, shape "dedup"): one group per
InChIKey, a row without one (it could not be read) a group of its own; a group's
representative is its lowest index and groups are numbered 1, 2, ... in the order of their
representatives. Two passes, in one snapshot:

- `dedup_summary.csv`, one row per group (the unique structures), in group order. Its last
  column, `duplicate_indices`, lists the group's indexes; it is written as the rows arrive (the
  rows come group by group), so a group of any size takes no memory.
- `dedup_annotated.csv`, every molecule in the export's order with its group.
"""

from __future__ import annotations

from collections.abc import Sequence

from chemaudit.export.base import ExportContext, Pass, Row, StreamEncoder
from chemaudit.export.delimited import CsvEncoder
from chemaudit.export.zipstream import ZipStream, is_large

LEVEL = "inchikey"
SUMMARY = ("group_id", "inchikey", "representative_index", "representative_name", "representative_smiles",
           "canonical_smiles", "group_size", "dedup_level", "duplicate_indices")
ANNOTATED = ("index", "smiles", "name", "status", "is_representative", "group_id", "group_size",
             "dedup_level", "overall_score", "inchikey")


class DedupEncoder(StreamEncoder):
    passes = (Pass("summary", order="group"), Pass("annotated"))

    def __init__(self, large: bool = True):
        self._stream = ZipStream(large)
        self._csv = CsvEncoder()
        self._open_group = False  # a summary line whose duplicate_indices cell is still open

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls(is_large(ctx.row_count))

    def start_pass(self, name: str) -> bytes:
        self._close_group()
        headers = SUMMARY if name == "summary" else ANNOTATED
        self._stream.open(f"dedup_{name}.csv")
        self._stream.write(self._csv.line(headers).encode("utf-8"))
        self._pass = name
        return self._stream.drain()

    def _close_group(self) -> None:
        if self._open_group:
            self._stream.write(b'"\r\n')
            self._open_group = False

    def _summary(self, rows: Sequence[Row]) -> str:
        out: list[str] = []
        for row in rows:
            if row["idx"] != row["rep_idx"]:  # a further member of the open group
                out.append(f",{row['idx']}")
                continue
            if self._open_group:
                out.append('"\r\n')
            cells = [row["group_id"], row["inchikey"], row["idx"], row["name"], row["smiles"],
                     row["canonical_smiles"], row["group_size"], LEVEL]
            line = self._csv.line(cells)[:-2] + ","  # without its CRLF: the indices follow
            self._open_group = row["group_size"] > 1
            out.append(line + ('"' if self._open_group else "") + str(row["idx"]))
            if not self._open_group:
                out.append("\r\n")
        return "".join(out)

    def _annotated(self, rows: Sequence[Row]) -> str:
        return "".join(self._csv.line([
            row["idx"], row["smiles"], row["name"], row["status"], row["idx"] == row["rep_idx"],
            row["group_id"], row["group_size"], LEVEL, row["score"], row["inchikey"]]) for row in rows)

    def encode(self, rows: Sequence[Row]) -> bytes:
        text = self._summary(rows) if self._pass == "summary" else self._annotated(rows)
        self._stream.write(text.encode("utf-8"))
        return self._stream.drain()

    def end(self) -> bytes:
        self._close_group()
        return self._stream.close()
