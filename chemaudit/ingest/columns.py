"""The columns of a delimited file, judged on its first bytes only (POST /batch/detect-columns).

`ColumnSniffer` takes the file's first pieces (gzip is decompressed, a byte-order mark removed,
binary content refused, as for an upload) until it holds `wanted` bytes of text and the header
line, then `result()` reads the header, suggests the SMILES and name columns, takes a sample
value per column and estimates the rows from the mean line length. It never needs the rest of
the file, so a 1 GB file answers as fast as a 1 KB one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from chemaudit.errors import BadInput, UnsupportedFormat
from chemaudit.ingest.decompress import GZIP_MAGIC, Gunzip
from chemaudit.ingest.delimited import NAME_COLUMNS
from chemaudit.ingest.encoding import BomStage
from chemaudit.ingest.records import decode
from chemaudit.ingest.smiles import looks_like_smiles
from chemaudit.ingest.sniff import check_text, format_from_name

SAMPLED_COLUMNS = 20  # ChemAudit samples the first 20 columns
SAMPLE_CHARS = 100
SAMPLE_ROWS = 50
_DELIMITERS = ("\t", ",", ";")
_SMILES_WORDS = ("smiles", "smi", "canonical_smiles", "isomeric_smiles", "structure")
_NAME_WORDS = ("name", "id", "compound", "molecule", "title", "identifier")
# Header cells that are never data, even where they would read as SMILES ("CO", "N", "I").
_HEADER_WORDS = frozenset(
    "smiles smi canonical_smiles isomeric_smiles structure mol molecule name id compound compound_id "
    "title inchi inchikey cas mw logp tpsa activity value target".split())
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class Columns:
    columns: list[str]
    suggested_smiles: str | None
    suggested_name: str | None
    column_samples: dict[str, str]
    format: str  # csv | tsv | smiles: how an upload of this file is read
    delimiter: str  # "," "\t" ";", or " " for SMILES lines (whitespace before the name)
    has_header: bool
    data_lines: int  # data rows in the text read
    text_bytes: int  # bytes of (decompressed) text read
    complete: bool  # the whole file was read


class ColumnSniffer:
    """Feed the file's first pieces; `wants_more` says when enough has been seen."""

    def __init__(self, filename: str, wanted: int, max_header_bytes: int):
        self._named = format_from_name(filename)  # 415 for known binary types
        if self._named in ("sdf",):
            raise UnsupportedFormat("An SD file has no columns: upload it as it is, without smiles_column.",
                                    code="not_delimited")
        self._wanted = wanted
        self._max_header = max_header_bytes
        self._head = b""
        self._gunzip: Gunzip | None = None
        self._started = False
        self._bom = BomStage()
        self._text = bytearray()
        self.compressed_in = 0  # file bytes consumed
        self.complete = False

    @property
    def wants_more(self) -> bool:
        if self.complete:
            return False
        if len(self._text) < self._wanted:
            return True
        has_break = _LINE_BREAK.search(self._text) is not None
        if not has_break and len(self._text) > self._max_header:
            raise BadInput(f"The first line is longer than {self._max_header:,} bytes; it is not a header row.")
        return not has_break

    def feed(self, piece: bytes) -> None:
        self.compressed_in += len(piece)
        if not self._started:
            self._head += piece
            if len(self._head) < len(GZIP_MAGIC):
                return
            piece, self._head = self._head, b""
            self._started = True
            if piece.startswith(GZIP_MAGIC):
                self._gunzip = Gunzip()
        if self._gunzip is None:
            self._text += self._bom.feed(piece)
            return
        for out in self._gunzip.feed(piece):
            self._text += self._bom.feed(out)
            if not self.wants_more:
                return

    def finish(self) -> None:
        """The file ended (everything was read): the last bytes count, and the count is exact."""
        if not self._started and self._head:
            self._started = True
            self._text += self._bom.feed(self._head)
        self._text += self._bom.finish()
        self.complete = True

    @property
    def compression_ratio(self) -> float:
        """Text bytes per file byte so far (1 for a plain file)."""
        return len(self._text) / self.compressed_in if self._gunzip is not None and self.compressed_in else 1.0

    def result(self) -> Columns:
        raw = bytes(self._text)
        check_text(raw[:64 * 1024], self._named)
        if not raw.strip():
            raise BadInput("The file is empty: there is no header row to read columns from.")
        lines = _LINE_BREAK.split(raw)
        if not self.complete and len(lines) > 1:
            lines.pop()  # cut short by the prefix
        text_lines = [decode(line) for line in lines]
        content = [line for line in text_lines if line.strip() and not line.lstrip().startswith("#")]
        if not content:
            raise BadInput("The file's first lines are blank or comments: there is no header row.")
        delimiter = _delimiter(self._named, content)
        sample = content[:SAMPLE_ROWS + 1]
        if delimiter == " ":  # a SMILES file: the SMILES, then the name after whitespace
            rows = [line.split(None, 1) for line in sample]
        else:
            rows = list(csv.reader(io.StringIO("\n".join(sample)), delimiter=delimiter))
        rows = [row for row in rows if any(cell.strip() for cell in row)]
        if not rows:
            raise BadInput("The file's first lines hold no values: there is no header row to read columns from.")
        header, has_header = _header(rows)
        data = rows[1:] if has_header else rows
        return Columns(
            columns=header,
            suggested_smiles=_suggest_smiles(header, data) if has_header else header[0],
            suggested_name=_suggest_name(header) if has_header else None,
            column_samples=_samples(header, data),
            format=_format(self._named, delimiter), delimiter=delimiter, has_header=has_header,
            data_lines=len(content) - (1 if has_header else 0),
            text_bytes=len(raw), complete=self.complete,
        )


def _delimiter(named: str | None, content: list[str]) -> str:
    """The file name's delimiter, else the one splitting the first lines most consistently; " "
    (whitespace) for SMILES lines, which have none."""
    if named in ("csv", "tsv"):
        return "," if named == "csv" else "\t"
    sample = content[:20]
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        count = sample[0].count(delimiter)
        if count and sum(line.count(delimiter) == count for line in sample) >= 0.6 * len(sample):
            if count > best_count:
                best, best_count = delimiter, count
    if best_count == 0 and len(sample[0].split(None, 1)) > 1:
        return " "
    return best


def _format(named: str | None, delimiter: str) -> str:
    if named == "smiles" or delimiter == " ":  # an upload splits .smi and .txt lines at whitespace
        return "smiles"
    return "tsv" if delimiter == "\t" else "csv"


def _header(rows: list[list[str]]) -> tuple[list[str], bool]:
    """The column names, or for a headerless file ChemAudit's SMILES, col_1, col_2, ..."""
    first = [cell.strip() for cell in rows[0]]
    later = rows[1] if len(rows) > 1 else None
    headerless = _data_cell(first[0]) and (later is None or _data_cell(later[0].strip()))
    if not headerless:
        return first, True
    width = max(len(row) for row in rows[:SAMPLE_ROWS])
    return ["SMILES"] + [f"col_{i}" for i in range(1, width)], False


def _data_cell(cell: str) -> bool:
    return cell.lower() not in _HEADER_WORDS and looks_like_smiles(cell.encode("utf-8", "replace"))


def _suggest_smiles(header: list[str], data: list[list[str]]) -> str | None:
    lowered = [name.lower() for name in header]
    if "smiles" in lowered:
        return header[lowered.index("smiles")]
    for name, low in zip(header, lowered):
        if any(word in low for word in _SMILES_WORDS):
            return name
    # No column is named for it: the one whose values read as SMILES (ChemAudit suggests none).
    for index, name in enumerate(header):
        values = [row[index].strip() for row in data[:10] if index < len(row) and row[index].strip()]
        if values and all(looks_like_smiles(value.encode("utf-8", "replace")) for value in values):
            return name
    return None


def _suggest_name(header: list[str]) -> str | None:
    """The column an upload takes names from when none is given (NAME_COLUMNS), else ChemAudit's
    looser match on words in the column name."""
    lowered = [name.lower() for name in header]
    for candidate in NAME_COLUMNS:
        if candidate in lowered:
            return header[lowered.index(candidate)]
    for name, low in zip(header, lowered):
        if "smi" not in low and any(word in low for word in _NAME_WORDS):
            return name
    return None


def _samples(header: list[str], data: list[list[str]]) -> dict[str, str]:
    samples: dict[str, str] = {}
    for index, name in enumerate(header[:SAMPLED_COLUMNS]):
        for row in data:
            if index < len(row) and row[index].strip():
                samples[name] = row[index].strip()[:SAMPLE_CHARS]
                break
    return samples
