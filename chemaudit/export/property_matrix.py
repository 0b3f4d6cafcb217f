"""Property matrix: a zip of every molecule's descriptors and scores, as a CSV and as a workbook.

`properties_flat.csv` has every column; `properties.xlsx` (inside the zip) has ChemAudit's
four sheets: Descriptors, Scores, Alerts and Properties (every column). The descriptors are
the ones stored at audit time (RDKit's, rounded as in the result item: `scoring.druglikeness`,
`scoring.admet`, `validation.molecule_info`); a molecule that could not be read has them
empty. Five passes over the rows, one per file or sheet, so nothing but one batch is held.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chemaudit.export.base import ExportContext, Pass, Row, StreamEncoder, cell_value
from chemaudit.export.delimited import CsvEncoder
from chemaudit.export.xlsx import Workbook
from chemaudit.export.zipstream import ZipStream, is_large, open_zip

IDENTITY = (("index", "idx"), ("smiles", "smiles"), ("name", "name"), ("inchikey", "inchikey"),
            ("canonical_smiles", "canonical_smiles"))
DESCRIPTORS = (("mw", "molecular_weight"), ("exact_mass", "exact_mass"), ("logp", "logp"), ("tpsa", "tpsa"),
               ("hbd", "hbd"), ("hba", "hba"), ("rotatable_bonds", "rotatable_bonds"),
               ("aromatic_rings", "aromatic_rings"), ("fsp3", "fsp3"), ("heavy_atom_count", "heavy_atom_count"),
               ("ring_count", "ring_count"), ("molecular_formula", "molecular_formula"))
SCORES = (("overall_score", "score"), ("ml_readiness_score", "ml_score"), ("qed_score", "qed"),
          ("sa_score", "sa_score"), ("lipinski_passed", "lipinski_passed"))
ALERTS = (("alert_count", "alert_count"), ("alert_catalogs", "alert_catalogs"), ("alert_names", "alert_names"))
ALL = IDENTITY + DESCRIPTORS + SCORES + ALERTS + (("status", "status"),)
SHEETS = {"Descriptors": IDENTITY[:4] + DESCRIPTORS, "Scores": IDENTITY[:3] + SCORES,
          "Alerts": IDENTITY[:3] + ALERTS, "Properties": ALL}


class PropertyMatrixEncoder(StreamEncoder):
    passes = (Pass("csv"), *(Pass(name) for name in SHEETS))

    def __init__(self, large: bool = True):
        self._stream = ZipStream(large)
        self._csv = CsvEncoder()
        self._book: Workbook | None = None
        self._inner: Any = None  # the workbook's zip, once open
        self._columns: tuple[tuple[str, str], ...] = ALL

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls(is_large(ctx.row_count))

    def start_pass(self, name: str) -> bytes:
        if name == "csv":
            self._stream.open("properties_flat.csv")
            self._stream.write(self._csv.line([header for header, _ in ALL]).encode("utf-8"))
            self._columns = ALL
        else:
            if self._book is None:  # the workbook is one entry of the zip, written sheet by sheet
                self._inner = open_zip(self._stream.open("properties.xlsx"))
                self._book = Workbook(self._inner, self._stream.large)
            self._columns = SHEETS[name]
            self._book.start_sheet(name, [header for header, _ in self._columns])
        return self._stream.drain()

    def _values(self, row: Row) -> list:
        return [cell_value(row.get(key)) for _, key in self._columns]

    def encode(self, rows: Sequence[Row]) -> bytes:
        if self._book is None:
            self._stream.write("".join(self._csv.line(self._values(row)) for row in rows).encode("utf-8"))
        else:
            self._book.add_rows([self._values(row) for row in rows])
        return self._stream.drain()

    def end(self) -> bytes:
        if self._book is not None:
            self._book.finish()
            self._inner.close()
        return self._stream.close()
