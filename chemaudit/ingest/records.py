"""The Record an upload is split into, its numbering, and forgiving text decoding."""

from __future__ import annotations

from dataclasses import dataclass

from chemaudit.errors import TooLarge


@dataclass(frozen=True, slots=True)
class Record:
    """One molecule as found in the upload, before any chemistry."""

    idx: int  # 0-based, in file order, contiguous
    name: str  # title line / name column / name after the SMILES; fallback f"mol_{idx}"
    kind: str  # "smiles" or "mol"
    text: str  # the SMILES string, or the whole SDF record without its "$$$$" line
    error: str | None = None  # set when the record itself is unusable; the job goes on


def decode(raw: bytes) -> str:
    """UTF-8 when valid, else Windows-1252 (Latin-1 plus printable 0x80-0x9F), else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class Numbering:
    """Hands out contiguous record indexes and enforces the molecule limit."""

    __slots__ = ("count", "_max")

    def __init__(self, max_molecules: int):
        self.count = 0
        self._max = max_molecules

    def make(self, name: str, kind: str, text: str, error: str | None = None) -> Record:
        """Build the next record; an empty name falls back to mol_{idx}."""
        idx = self.count
        if idx >= self._max:
            raise TooLarge(
                f"The upload holds more than {self._max:,} molecules, the most one job may have; "
                "split it into smaller files."
            )
        self.count = idx + 1
        return Record(idx, name or f"mol_{idx}", kind, text, error)
