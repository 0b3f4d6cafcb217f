"""What an export encoder provides, and flattening a result into columns.

**The Encoder interface.** An encoder turns result rows into the bytes of one download, and
keeps no rows, so an export of any size runs in constant memory:

- `from_context(ctx)` (a classmethod) makes one for one download: `ctx.header` holds the job's
  fields (job_id, filename, status, total_results, statistics), `ctx.row_count` the number of
  rows it will be sent (None when not known), `ctx.options` the values of the options its
  format accepts (chemaudit/export/formats.py, OPTIONS). The header holds the job's
  `statistics` only when the class sets `needs_statistics` (they cost a query over every
  result of a running job).
- `passes`: the passes over the rows it needs, in order. Most formats need the rows once; a zip
  of several files that each list every row (fingerprints, a workbook with a sheet per
  section) asks for them once per file, since a zip's entries are written one after the other.
  A pass's `order` is None for the order the request asked for, or a fixed order the row query
  knows (`"group"`: dedup groups). The server runs one query per pass inside one snapshot, so
  every pass sees the same rows.
- `begin()`, then for each pass `start_pass(name)` and `encode(batch)` for each batch of rows,
  then `end()`: each returns the next bytes of the file (possibly empty). The web side runs
  them off the event loop (they may use RDKit or deflate), so each must return in a time
  proportional to its batch.

`StreamEncoder` gives the defaults (one pass, nothing before or after); a new format is one
module with an encoder class plus one entry in `formats.FORMATS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from chemaudit.result_rows import DETAIL_COLUMNS

Row = Mapping[str, Any]

# (column header, row key) of the flat, one-row-per-molecule formats (CSV, TSV, XLSX, SDF); the
# profile score and the profiling and safety columns (empty without them) come last.
FLAT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("index", "idx"),
    ("name", "name"),
    ("smiles", "smiles"),
    ("canonical_smiles", "canonical_smiles"),
    ("inchikey", "inchikey"),
    ("inchi", "inchi"),
    ("molecular_formula", "molecular_formula"),
    ("molecular_weight", "molecular_weight"),
    ("status", "status"),
    ("error", "error"),
    ("validation_score", "score"),
    ("ml_readiness_score", "ml_score"),
    ("qed", "qed"),
    ("sa_score", "sa_score"),
    ("lipinski_passed", "lipinski_passed"),
    ("issue_count", "issue_count"),
    ("failed_checks", "failed_checks"),
    ("alert_count", "alert_count"),
    ("alert_catalogs", "alert_catalogs"),
    ("alert_names", "alert_names"),
    ("profile_score", "profile_score"),
    *((name, name) for name, _path, _kind in DETAIL_COLUMNS),
)
HEADERS = tuple(header for header, _ in FLAT_COLUMNS)
LIST_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class Pass:
    name: str
    order: str | None = None  # None: the request's order; else a fixed order of the row query


@dataclass(frozen=True, slots=True)
class ExportContext:
    header: Mapping[str, Any] = field(default_factory=dict)
    row_count: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


ONE_PASS = (Pass("rows"),)


class Encoder(Protocol):
    passes: Sequence[Pass]
    needs_statistics: bool

    @classmethod
    def from_context(cls, ctx: ExportContext) -> Encoder: ...

    def begin(self) -> bytes: ...

    def start_pass(self, name: str) -> bytes: ...

    def encode(self, rows: Sequence[Row]) -> bytes: ...

    def end(self) -> bytes: ...


class StreamEncoder:
    """Defaults for an encoder that needs the rows once and writes nothing before or after them."""

    passes: Sequence[Pass] = ONE_PASS
    needs_statistics = False

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls()

    def begin(self) -> bytes:
        return b""

    def start_pass(self, name: str) -> bytes:
        return b""

    def encode(self, rows: Sequence[Row]) -> bytes:
        raise NotImplementedError

    def end(self) -> bytes:
        return b""


def flat_values(row: Row) -> list[Any]:
    """The row's values in FLAT_COLUMNS order: lists joined, non-finite floats as missing."""
    return [cell_value(row.get(key)) for _, key in FLAT_COLUMNS]


def cell_value(value: Any) -> Any:
    """A value as a file cell holds it: a list joined, a non-finite float missing."""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value if item is not None) or None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


RowSource = Iterable[Row] | Callable[[Pass], Iterable[Row]]


def iter_encode(encoder: Encoder, rows: RowSource, batch_size: int = 500) -> Iterator[bytes]:
    """Yield the encoded pieces (never empty ones), batch by batch. `rows`: the rows, for an
    encoder of one pass; or a function giving a fresh iterable of them for each pass."""
    if not callable(rows) and len(encoder.passes) != 1:
        raise ValueError("this encoder needs the rows more than once: pass a function of the pass")

    def pieces() -> Iterator[bytes]:
        yield encoder.begin()
        for step in encoder.passes:
            yield encoder.start_pass(step.name)
            iterator = iter(rows(step) if callable(rows) else rows)
            while batch := list(islice(iterator, batch_size)):
                yield encoder.encode(batch)
        yield encoder.end()

    return (piece for piece in pieces() if piece)
