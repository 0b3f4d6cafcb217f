"""SDF: each molecule's original record (its own coordinates and data items when it came from
an SD file; a 2D molblock made from the SMILES otherwise) with the results as data items.

Result fields are named `chemaudit_<column>` so they never collide with the file's own items.
A record that cannot be drawn (unreadable SMILES, unusable SD record) gets an empty molblock,
so every result still has its entry.

Text is written so that it can never end or split a record (`sd_text`): a title or data value is
one line (a value holding CR or LF has each run of whitespace made one space, and its ends
trimmed); one that starts with `$$$$`, `>` or `M  END` gets an apostrophe in front (the rule of
`guard.py`: remove one leading apostrophe to undo it); an empty value is left out. Lines of an
uploaded record that start with `$$$$` (RDKit's reader ends a record there) are guarded the same
way; the rest of the record is kept byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdkit import Chem
from rdkit.rdBase import BlockLogs

from chemaudit.export.base import HEADERS, Row, StreamEncoder, flat_values
from chemaudit.export.guard import SD_LINE_STARTS, guard

FIELD_PREFIX = "chemaudit_"


def sd_text(value) -> str:
    """A title or data value as written: one line that cannot be read as a record boundary."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "\n" in text or "\r" in text:  # a blank line would end the data item early
        text = " ".join(text.split())
    return guard(text, SD_LINE_STARTS)


def _parse(smiles: str | None):
    if not smiles:
        return None
    with BlockLogs():
        return Chem.MolFromSmiles(smiles)


def _molblock(mol, name: str) -> str:
    mol.SetProp("_Name", sd_text(name))
    with BlockLogs():
        block = Chem.MolToMolBlock(mol)
    return block if block.endswith("\n") else block + "\n"


def _original_record(text: str) -> str:
    """The SD record as uploaded (molblock + its data items), ready for more data items."""
    body = text.rstrip("\r\n")
    if "$$$$" in body:
        body = "\n".join(guard(line, ("$$$$",)) for line in body.split("\n"))
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
    values = ((header, sd_text(value)) for header, value in zip(HEADERS, flat_values(row))
              if value is not None)
    items = [f"> <{FIELD_PREFIX}{header}>\n{text}\n\n" for header, text in values if text]
    return molblock_part(row) + "".join(items) + "$$$$\n"


class SdfEncoder(StreamEncoder):
    def encode(self, rows: Sequence[Row]) -> bytes:
        return "".join(record(row) for row in rows).encode("utf-8")
