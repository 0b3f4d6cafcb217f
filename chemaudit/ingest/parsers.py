"""The upload formats: what a record parser must provide, and the one table of formats.

A new upload format is a module with a class that satisfies `RecordParser` and one entry in
`FORMATS`: its name, its file extensions, the label its messages use, and how to build its
parser. The splitter (splitter.py) and the file-name check (sniff.py) read the table. The four
formats below are also recognised by their content (format_choice.py); a format only in the
table is chosen by its file name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chemaudit.ingest.delimited import DelimitedParser
from chemaudit.ingest.limits import IngestLimits
from chemaudit.ingest.records import Numbering, Record
from chemaudit.ingest.sdf import SdfParser
from chemaudit.ingest.smiles import SmilesParser


class RecordParser(Protocol):
    """Turns an upload's lines into Records, in file order, holding at most one record back."""

    kind: str  # the Record kind it produces: "smiles" or "mol"
    empty_detail: str | None  # why a file that gave no records has none; None: nothing to add

    def feed_lines(self, lines: list[bytes], first_lineno: int) -> list[Record]:
        """The records these lines completed (`first_lineno` is the first line's number, from 1)."""
        ...

    def finish(self) -> list[Record]:
        """The last record, after the final line."""
        ...


@dataclass(frozen=True)
class ParserSetup:
    """What a parser may be built from: the upload's numbering, limits and form choices."""

    numbering: Numbering
    limits: IngestLimits
    delimiter: str = ""  # csv/tsv: the one format_choice found
    smiles_column: str = "SMILES"
    name_column: str | None = None


@dataclass(frozen=True)
class UploadFormat:
    name: str  # stored as the job's `format`
    label: str  # how messages name it
    extensions: tuple[str, ...]  # file name endings that promise it (before an optional .gz)
    make: Callable[[ParserSetup], RecordParser]
    delimiter: str = ""  # the delimiter a delimited format implies


def _sdf(setup: ParserSetup) -> RecordParser:
    return SdfParser(setup.numbering, setup.limits.max_record_bytes, setup.limits.max_sd_data_bytes)


def _smiles(setup: ParserSetup) -> RecordParser:
    return SmilesParser(setup.numbering, setup.limits.max_record_bytes)


def _delimited(setup: ParserSetup) -> RecordParser:
    return DelimitedParser(setup.numbering, setup.delimiter, smiles_column=setup.smiles_column,
                           name_column=setup.name_column, max_record_bytes=setup.limits.max_record_bytes)


FORMATS: dict[str, UploadFormat] = {f.name: f for f in (
    UploadFormat("sdf", "SDF", ("sdf", "sd", "mol", "sdfile", "mdl"), _sdf),
    UploadFormat("smiles", "SMILES", ("smi", "smiles", "ism", "can", "cxsmi", "cxsmiles"), _smiles),
    UploadFormat("csv", "CSV", ("csv",), _delimited, delimiter=","),
    UploadFormat("tsv", "TSV", ("tsv", "tab"), _delimited, delimiter="\t"),
)}

# The formats format_choice.py also recognises by their content.
SNIFFED = ("sdf", "smiles", "csv", "tsv")

BY_EXTENSION: dict[str, str] = {ext: f.name for f in FORMATS.values() for ext in f.extensions}


def make_parser(fmt: str, setup: ParserSetup) -> RecordParser:
    """The parser of a format in the table."""
    return FORMATS[fmt].make(setup)
