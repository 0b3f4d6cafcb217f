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


def too_long(size: int, limit: int) -> str:
    """The error of a SMILES over the record size limit."""
    return f"The SMILES is {size:,} characters long, over the {limit:,} allowed for one record."


# The generated __init__ of a frozen dataclass goes through object.__setattr__ once per field
# (about 1.7 us a record); setting the slots through their descriptors builds the same object in
# under half the time, which counts at a million records an upload. Record(...) stays the API.
_new_object = object.__new__
_set_idx, _set_name, _set_kind, _set_text, _set_error = (
    getattr(Record, field).__set__ for field in ("idx", "name", "kind", "text", "error")
)


def _fast_record(idx: int, name: str, kind: str, text: str, error: str | None) -> Record:
    record = _new_object(Record)
    _set_idx(record, idx)
    _set_name(record, name)
    _set_kind(record, kind)
    _set_text(record, text)
    _set_error(record, error)
    return record


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
        return _fast_record(idx, name or f"mol_{idx}", kind, text, error)
