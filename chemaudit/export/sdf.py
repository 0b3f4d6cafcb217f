"""SDF: each molecule's original record (its own coordinates and data items when it came from
an SD file; a 2D molblock made from the SMILES otherwise) with the results as data items.

Result fields are named `chemaudit_<column>` so they never collide with the file's own items.
A record that cannot be drawn (unreadable SMILES, unusable SD record) gets an empty molblock,
so every result still has its entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdkit import Chem
from rdkit.rdBase import BlockLogs

from chemaudit.export.base import HEADERS, Row, flat_values

FIELD_PREFIX = "chemaudit_"


def _one_line(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "\n" in text or "\r" in text:  # a blank line would end the data item early
        text = " ".join(text.split())
    return text


def _parse(smiles: str | None):
    if not smiles:
        return None
    with BlockLogs():
        return Chem.MolFromSmiles(smiles)


def _molblock(mol, name: str) -> str:
    mol.SetProp("_Name", _one_line(name))
    with BlockLogs():
        block = Chem.MolToMolBlock(mol)
    return block if block.endswith("\n") else block + "\n"


def _original_record(text: str) -> str:
    """The SD record as uploaded (molblock + its data items), ready for more data items."""
    body = text.rstrip("\r\n")
    last_line = body.rsplit("\n", 1)[-1]
    # After "M  END" data items follow directly; after a data item's value, a blank line first.
    return body + ("\n" if last_line.startswith("M  END") else "\n\n")


def molblock_part(row: Row) -> str:
    text = row.get("input_text") or ""
    if row.get("input_kind") == "mol" and "M  END" in text:
        return _original_record(text)
    given = text if row.get("input_kind") == "smiles" else row.get("smiles")
    mol = _parse(given) or _parse(row.get("canonical_smiles")) or Chem.RWMol()
    return _molblock(mol, row.get("name") or "")


def record(row: Row) -> str:
    items = [
        f"> <{FIELD_PREFIX}{header}>\n{_one_line(value)}\n\n"
        for header, value in zip(HEADERS, flat_values(row))
        if value is not None and value != ""
    ]
    return molblock_part(row) + "".join(items) + "$$$$\n"


class SdfEncoder:
    content_type = "chemical/x-mdl-sdfile"
    extension = "sdf"

    def begin(self) -> bytes:
        return b""

    def encode(self, rows: Sequence[Row]) -> bytes:
        return "".join(record(row) for row in rows).encode("utf-8")

    def end(self) -> bytes:
        return b""
