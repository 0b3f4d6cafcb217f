"""SMILES file: `SMILES<TAB>Name`, one molecule a line, which this service and RDKit read back.

Each molecule that was read is written as its canonical SMILES (the standardized parent's when
the job standardized: `canonical_smiles` is what the audit kept) and its name. A record that
could not be read has no SMILES to write; it becomes a `#` comment line naming its index, name
and error, so a file re-uploaded here (which skips `#` lines) holds exactly the readable
molecules and a reader still sees what was left out. Names keep their text, with every run of
whitespace or control characters (tab, CR, LF, NUL and the like) made one space: the line and
the name column cannot break, and the file stays text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chemaudit.export.base import Row, StreamEncoder

HEADER = "SMILES\tName\n"
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")  # whitespace and control characters


def one_line(text: str | None) -> str:
    """`text` with every run of whitespace or control characters as one space and no space at either end."""
    return _BREAKS.sub(" ", text or "").strip()


class SmilesFileEncoder(StreamEncoder):
    def begin(self) -> bytes:
        return HEADER.encode("utf-8")

    @staticmethod
    def line(row: Row) -> str:
        smiles = row.get("canonical_smiles")
        name = one_line(row.get("name"))
        if smiles:
            return f"{smiles}\t{name}\n"
        reason = one_line(row.get("error")) or "no structure"
        return f"# {row.get('idx')}\t{name}\tnot written: {reason}\n"

    def encode(self, rows: Sequence[Row]) -> bytes:
        return "".join([self.line(row) for row in rows]).encode("utf-8")
