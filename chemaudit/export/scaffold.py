"""Scaffolds: a CSV of each molecule's Bemis-Murcko scaffold (ChemAudit's columns, in export order).

The scaffold is RDKit's `MurckoScaffold.GetScaffoldForMol` of the canonical SMILES, written as
canonical SMILES; an acyclic molecule has an empty scaffold and group "0", and a row that
could not be read has neither. `scaffold_group` is a key of the scaffold (the first 12 hex
digits of the SHA-256 of its SMILES): equal scaffolds have equal keys however many rows lie
between them, so the file streams in constant memory. ChemAudit numbers the scaffolds 1, 2, ...
in alphabetical order instead, which needs every scaffold in memory before the first row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold
from rdkit.rdBase import BlockLogs

from chemaudit.export.base import Row
from chemaudit.export.delimited import CsvEncoder
from chemaudit.export.depict import parse

HEADERS = ("index", "smiles", "name", "status", "scaffold_smiles", "scaffold_group", "overall_score",
           "ml_readiness_score", "inchikey")
ACYCLIC_GROUP = "0"


def murcko_smiles(smiles: str | None) -> str | None:
    """The scaffold's canonical SMILES ("" for an acyclic molecule), None when unreadable."""
    mol = parse(smiles)
    if mol is None:
        return None
    with BlockLogs():
        try:
            return Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol))
        except (RuntimeError, ValueError):
            return None


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
        scaffold = murcko_smiles(row.get("canonical_smiles")) if row.get("status") == "success" else None
        return [row.get("idx"), row.get("smiles"), row.get("name"), row.get("status"), scaffold,
                scaffold_group(scaffold), row.get("score"), row.get("ml_score"), row.get("inchikey")]

    def encode(self, rows: Sequence[Row]) -> bytes:
        return "".join(self.line(self._values(row)) for row in rows).encode("utf-8")
