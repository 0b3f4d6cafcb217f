"""The encoder shape every export format follows, and flattening a result into columns.

An encoder turns rows into bytes in three steps: `begin()`, `encode(batch)` for each batch of
rows, `end()`. It keeps no rows, so an export of any size runs in constant memory; the web
side feeds it batches from a server-side cursor, `iter_encode` does the same from any iterable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, Protocol

Row = Mapping[str, Any]

# (column header, row key) of the flat, one-row-per-molecule formats (CSV, TSV, XLSX, SDF).
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
)
HEADERS = tuple(header for header, _ in FLAT_COLUMNS)
LIST_SEPARATOR = "; "


class Encoder(Protocol):
    content_type: str
    extension: str

    def begin(self) -> bytes: ...

    def encode(self, rows: Sequence[Row]) -> bytes: ...

    def end(self) -> bytes: ...


def flat_values(row: Row) -> list[Any]:
    """The row's values in FLAT_COLUMNS order: lists joined, non-finite floats as missing."""
    values = []
    for _, key in FLAT_COLUMNS:
        value = row.get(key)
        if isinstance(value, (list, tuple)):
            value = LIST_SEPARATOR.join(str(item) for item in value if item is not None) or None
        elif isinstance(value, float) and not math.isfinite(value):
            value = None
        values.append(value)
    return values


def iter_encode(encoder: Encoder, rows: Iterable[Row], batch_size: int = 500) -> Iterator[bytes]:
    """Yield the encoded pieces of `rows` (never empty pieces), batch by batch."""
    first = encoder.begin()
    if first:
        yield first
    iterator = iter(rows)
    while batch := list(islice(iterator, batch_size)):
        piece = encoder.encode(batch)
        if piece:
            yield piece
    last = encoder.end()
    if last:
        yield last
