"""CSV and TSV: a SMILES column found by header (or column 0 of a headerless file), RFC 4180 quoting."""

from __future__ import annotations

import csv
import re

from chemaudit.errors import BadInput
from chemaudit.ingest.records import Numbering, Record, decode, too_long
from chemaudit.ingest.smiles import looks_like_smiles

NAME_COLUMNS = ("name", "id", "title", "compound_id", "molecule_name", "mol_name")
_SHOWN_COLUMNS = 20
# The csv module refuses a field over 131,072 characters, which would turn a long SMILES into an
# unnamed parse error. Rows are already bounded (a line by max_line_bytes, a quoted multi-line row
# by max_record_bytes), so its limit only gets in the way: lift it once, for every reader. The
# record then keeps its name, and a SMILES too long to audit gets the size error like any other.
_CSV_FIELD_LIMIT = 2**31 - 1
if csv.field_size_limit() < _CSV_FIELD_LIMIT:
    csv.field_size_limit(_CSV_FIELD_LIMIT)


class DelimitedParser:
    """Rows are cut at line breaks outside quotes, then read by the csv module a batch at a time.

    Whether a line ends inside a quoted field is decided with the csv module's own rules (a field
    is quoted only if it starts with a quote; "" inside it is a literal quote), so a logical row
    may span lines; it is handed to csv.reader whole.
    """

    kind = "smiles"

    def __init__(self, numbering: Numbering, delimiter: str, *, smiles_column: str,
                 name_column: str | None, max_record_bytes: int):
        self._numbering = numbering
        self._delimiter = delimiter
        self._smiles_column = smiles_column
        self._name_column = name_column
        self._max = max_record_bytes
        d = re.escape(delimiter.encode())
        field = rb'(?:"(?:[^"]|"")*+"[^' + d + rb']*|[^"' + d + rb'][^' + d + rb']*|)'
        self._complete = re.compile(field + rb"(?:" + d + field + rb")*")
        self._rest = re.compile(rb"[^" + d + rb"]*(?:" + d + field + rb")*")
        self._close_quote = re.compile(rb'(?:[^"]|"")*+"')
        self._open: list[bytes] | None = None  # lines of a row whose quoted field is still open
        self._open_size = 0
        self._open_line = 0
        self._header_done = False
        self._smiles_idx = 0
        self._name_idx: int | None = None
        self.empty_detail: str | None = None

    def feed_lines(self, lines: list[bytes], first_lineno: int) -> list[Record]:
        texts: list[bytes] = []
        linenos: list[int] = []
        for offset, line in enumerate(lines):
            if self._open is not None:
                self._continue_row(line, texts, linenos)
            elif not line:
                continue
            elif b'"' in line and self._complete.fullmatch(line) is None:
                self._open, self._open_size = [line], len(line)
                self._open_line = first_lineno + offset
            else:
                texts.append(line)
                linenos.append(first_lineno + offset)
        return self._read_rows(texts, linenos) if texts else []

    def finish(self) -> list[Record]:
        if self._open is not None:
            raise BadInput(
                f"The quoted field that opens on line {self._open_line:,} is never closed: "
                'the file has a mismatched quote (").'
            )
        return []

    def _continue_row(self, line: bytes, texts: list[bytes], linenos: list[int]) -> None:
        assert self._open is not None, "called inside an open quoted field"
        self._open.append(line)
        self._open_size += len(line) + 1
        if self._open_size > self._max:
            raise BadInput(
                f"The quoted field that opens on line {self._open_line:,} runs on for more than "
                f'{self._max:,} bytes: the file probably has a mismatched quote (").'
            )
        closed = self._close_quote.match(line)
        if closed is not None and self._rest.fullmatch(line, closed.end()) is not None:
            texts.append(b"\n".join(self._open))
            linenos.append(self._open_line)
            self._open = None

    def _read_rows(self, texts: list[bytes], linenos: list[int]) -> list[Record]:
        out = []
        reader = csv.reader([decode(text) for text in texts], delimiter=self._delimiter, strict=False)
        make = self._numbering.make
        for count, lineno in enumerate(linenos, 1):
            try:
                row = next(reader)
            except csv.Error as exc:
                if not self._header_done:
                    raise BadInput(f"Line {lineno:,}, the header, could not be read as {self._label}: {exc}.") from None
                out.append(make("", "smiles", "", f"Line {lineno:,} could not be read as {self._label}: {exc}."))
                continue
            if reader.line_num != count:
                raise BadInput(f"Line {lineno:,} could not be split into {self._label} fields consistently.")
            if not self._header_done:
                if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                    continue
                if self._read_header(row):
                    continue
            record = self._record(row, lineno)
            if record is not None:
                out.append(record)
        return out

    def _record(self, row: list[str], lineno: int) -> Record | None:
        si, ni = self._smiles_idx, self._name_idx
        name = row[ni].strip() if ni is not None and ni < len(row) else ""
        smiles = row[si].strip() if si < len(row) else ""
        if smiles:
            if len(smiles) > self._max:
                return self._numbering.make(name, "smiles", "", too_long(len(smiles), self._max))
            return self._numbering.make(name, "smiles", smiles)
        if not "".join(row).strip():
            return None  # a blank line, or a row of empty cells
        if si >= len(row):
            error = f"Line {lineno:,} has {len(row)} fields, so no SMILES in column {si + 1}."
        else:
            error = f"Line {lineno:,} has an empty SMILES cell."
        return self._numbering.make(name, "smiles", "", error)

    @property
    def _label(self) -> str:
        return "TSV" if self._delimiter == "\t" else "CSV"

    def _read_header(self, row: list[str]) -> bool:
        """Resolve the columns from the first row; True if that row was a header."""
        self._header_done = True
        lowered = [cell.strip().strip('"').strip().lower() for cell in row]
        wanted = self._smiles_column.strip().lower()
        if wanted in lowered:
            self._smiles_idx = lowered.index(wanted)
            self._name_idx = self._find_name(lowered, row)
            self.empty_detail = f"The {self._label} file has a header row but no data rows."
            return True
        if not looks_like_smiles(row[0].encode("utf-8", "replace")):
            raise BadInput(self._missing_smiles_detail(row))
        if self._name_column is not None:
            raise BadInput(
                f"The {self._label} file has no header row (its first row starts with a SMILES), "
                f"so there is no column named {self._name_column!r} to take names from."
            )
        self._smiles_idx, self._name_idx = 0, 1
        return False

    def _find_name(self, lowered: list[str], row: list[str]) -> int | None:
        if self._name_column is None:
            for candidate in NAME_COLUMNS:
                if candidate in lowered:
                    return lowered.index(candidate)
            return None
        wanted = self._name_column.strip().lower()
        if wanted not in lowered:
            raise BadInput(
                f"The {self._label} file has no column named {self._name_column!r} for the names "
                f"(columns found: {_list_columns(row)})."
            )
        return lowered.index(wanted)

    def _missing_smiles_detail(self, row: list[str]) -> str:
        detail = (
            f"The {self._label} file has no column named {self._smiles_column!r} "
            f"(columns found: {_list_columns(row)})"
        )
        similar = [cell.strip() for cell in row if "smiles" in cell.lower()]
        if similar:
            detail += f"; did you mean {similar[0]!r}? Name the SMILES column with the smiles_column field."
        else:
            detail += "; name the SMILES column with the smiles_column field."
        return detail


def _list_columns(row: list[str]) -> str:
    shown = ", ".join(repr(cell.strip()) for cell in row[:_SHOWN_COLUMNS])
    if len(row) > _SHOWN_COLUMNS:
        shown += f" and {len(row) - _SHOWN_COLUMNS:,} more"
    return shown
