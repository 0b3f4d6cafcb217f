"""Scaffolds: a CSV of each molecule's Bemis-Murcko scaffold (ChemAudit's columns, in export order).

The scaffold is the one the audit stored with the result (chemaudit.analytics.scaffolds.murcko of
the canonical SMILES, the scaffold analysis's own), computed here the same way for a row stored
without one; it is written as canonical SMILES. An acyclic molecule has an empty scaffold and
group "0", and a row that could not be read has neither. `scaffold_group` is a key of the
scaffold (the first 12 hex digits of the SHA-256 of its SMILES): equal scaffolds have equal keys
however many rows lie between them, so the file streams in constant memory. ChemAudit numbers
the scaffolds 1, 2, ... in alphabetical order instead, which needs every scaffold in memory
before the first row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from chemaudit.analytics import scaffolds
from chemaudit.export.base import Row
from chemaudit.export.delimited import CsvEncoder

HEADERS = ("index", "smiles", "name", "status", "scaffold_smiles", "scaffold_group", "overall_score",
           "ml_readiness_score", "inchikey")
ACYCLIC_GROUP = "0"


def row_scaffold(row: Row) -> str | None:
    """The row's stored scaffold, or (stored without one) computed from its canonical SMILES."""
    if row.get("status") != "success":
        return None
    stored = row.get("scaffold")
    return stored if stored is not None else scaffolds.row_scaffold("success", row.get("canonical_smiles"))


def scaffold_group(scaffold: str | None) -> str | None:
    if scaffold is None:
        return None
    if scaffold == "":
        return ACYCLIC_GROUP
    return hashlib.sha256(scaffold.encode()).hexdigest()[:12]


class ScaffoldEncoder(CsvEncoder):
    def __init__(self):
        super().__init__(raw_text=False, headers=HEADERS)

    @classmethod
    def from_context(cls, ctx):
        return cls()

    def _values(self, row: Row) -> list:
        scaffold = row_scaffold(row)
        return [row.get("idx"), row.get("smiles"), row.get("name"), row.get("status"), scaffold,
                scaffold_group(scaffold), row.get("score"), row.get("ml_score"), row.get("inchikey")]

    def encode(self, rows: Sequence[Row]) -> bytes:
        return "".join(self.line(self._values(row)) for row in rows).encode("utf-8")
