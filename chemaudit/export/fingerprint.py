"""Fingerprints: a zip of Morgan, MACCS and RDKit fingerprints as CSV, NPY and NPZ (ChemAudit's nine files).

For each type (`morgan`: radius 2, 2048 bits; `maccs`: the 167 MACCS keys; `rdkit`: RDKit's
path fingerprint, 2048 bits), computed from each molecule's canonical SMILES:

- `<type>.csv`: `index, name, valid, bit_0 ... bit_<n-1>`, one row per exported molecule;
- `<type>.npy`: the bits as an int8 matrix of shape (molecules, bits), rows in the CSV's order;
- `<type>.npz`: the same matrix as `fingerprints` in a compressed NumPy archive.

Every exported molecule has its row, so row i of each matrix is row i of the CSVs; a molecule
that could not be read has `valid` 0 and a row of zeros (ChemAudit leaves such molecules out,
which leaves the matrix rows without their names). Each file is one pass over the rows (the zip
is written front to back), so nothing but one batch is held; the NPY header needs the row
count, which the export knows before the first row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib import format as npy_format
from rdkit import DataStructs
from rdkit.Chem import MACCSkeys, rdFingerprintGenerator

from chemaudit.export.base import ExportContext, Pass, Row, StreamEncoder
from chemaudit.export.delimited import CsvEncoder
from chemaudit.export.depict import parse
from chemaudit.export.zipstream import ZipStream, is_large, open_zip

KINDS = ("csv", "npy", "npz")


def _maccs(mol) -> np.ndarray:
    bits = np.zeros(167, dtype=np.int8)
    DataStructs.ConvertToNumpyArray(MACCSkeys.GenMACCSKeys(mol), bits)
    return bits


def fingerprint_types() -> dict[str, tuple[int, Callable]]:
    """type -> (bits, function of a molecule to its bits); generators are made per export."""
    morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    path = rdFingerprintGenerator.GetRDKitFPGenerator(fpSize=2048)
    return {"morgan": (2048, morgan.GetFingerprintAsNumPy), "maccs": (167, _maccs),
            "rdkit": (2048, path.GetFingerprintAsNumPy)}


def npy_header(rows: int, bits: int) -> bytes:
    out = io.BytesIO()
    npy_format.write_array_header_1_0(out, {"descr": npy_format.dtype_to_descr(np.dtype(np.int8)),
                                             "fortran_order": False, "shape": (rows, bits)})
    return out.getvalue()


class FingerprintEncoder(StreamEncoder):
    def __init__(self, row_count: int, large: bool = True):
        self.types = fingerprint_types()
        self.passes = tuple(Pass(f"{name}.{kind}") for name in self.types for kind in KINDS)
        self.row_count = row_count
        self._stream = ZipStream(large)
        self._csv = CsvEncoder()
        self._inner: Any = None  # the NPZ's own zip, inside its entry of the outer one
        self._target: Any = None  # where the current pass writes: the outer entry, or the NPZ's array
        self._written = 0

    @classmethod
    def from_context(cls, ctx: ExportContext):
        if ctx.row_count is None:
            raise ValueError("fingerprints need the row count before the rows (the NPY header)")
        return cls(ctx.row_count, is_large(ctx.row_count))

    def _finish_file(self) -> None:
        if self._inner is not None:
            self._target.close()
            self._inner.close()
            self._inner = None
        if self._written != self.row_count and self._target is not None and self._kind != "csv":
            raise RuntimeError(f"{self._written} rows were sent for a matrix of {self.row_count}")
        self._target = None

    def start_pass(self, name: str) -> bytes:
        self._finish_file()
        self._type, _, self._kind = name.partition(".")
        self._bits, self._compute = self.types[self._type]
        self._written = 0
        entry = self._stream.open(name)
        if self._kind == "npz":
            self._inner = open_zip(entry)
            self._target = self._inner.open("fingerprints.npy", "w", force_zip64=self._stream.large)
        else:
            self._target = entry
        if self._kind == "csv":
            header = ["index", "name", "valid", *(f"bit_{n}" for n in range(self._bits))]
            self._target.write(self._csv.line(header).encode("utf-8"))
        else:
            self._target.write(npy_header(self.row_count, self._bits))
        return self._stream.drain()

    def _matrix(self, rows: Sequence[Row]) -> tuple[np.ndarray, list[bool]]:
        matrix = np.zeros((len(rows), self._bits), dtype=np.int8)
        valid = []
        for n, row in enumerate(rows):
            mol = parse(row.get("canonical_smiles")) if row.get("status") == "success" else None
            if mol is not None:
                matrix[n] = self._compute(mol)
            valid.append(mol is not None)
        return matrix, valid

    def _csv_lines(self, rows: Sequence[Row], matrix: np.ndarray, valid: list[bool]) -> bytes:
        cells = np.full((len(rows), 2 * self._bits), ord(","), dtype=np.uint8)
        cells[:, 0::2] = matrix + ord("0")
        lines = []
        for n, row in enumerate(rows):
            start = self._csv.line([row.get("idx"), row.get("name"), int(valid[n])])[:-2] + ","
            lines.append(start.encode("utf-8") + cells[n, :-1].tobytes() + b"\r\n")
        return b"".join(lines)

    def encode(self, rows: Sequence[Row]) -> bytes:
        matrix, valid = self._matrix(rows)
        data = self._csv_lines(rows, matrix, valid) if self._kind == "csv" else matrix.tobytes()
        self._target.write(data)
        self._written += len(rows)
        return self._stream.drain()

    def end(self) -> bytes:
        self._finish_file()
        return self._stream.close()
