"""Which text format an upload is, judged on its whole first window, with the reason in words.

No single line decides: a name cell "Reagent kit V3000" or a quoted "$$$$" in a CSV is not an SD
record. In order of weight: a real molblock at the top of the file (its counts line on line 4),
a header row naming the SMILES column, SD record markers in a file whose rows are neither SMILES
nor delimited consistently, then the file name, then the shape of the first line.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from chemaudit.ingest.parsers import FORMATS, SNIFFED
from chemaudit.ingest.sdf import is_end_line
from chemaudit.ingest.smiles import is_smiles_header, looks_like_smiles

SNIFF_LINES = 200
_LEADING_BLANKS = 3  # blank lines a file may have in front of its first record's title
# A counts line is digits and spaces only ("aaabbblll...999 V2000"); the version may be missing.
_COUNTS = re.compile(rb"[ \d]{2}\d[ \d]{2}\d[ \d]*(V2000|V3000)?\s*")
_DELIMITERS = {b"\t": "tabs", b",": "commas", b";": "semicolons"}


class FormatChoice(NamedTuple):
    format: str  # a name in parsers.FORMATS
    delimiter: str  # "," "\t" ";" for csv/tsv, else ""
    reason: str  # one sentence, kept with the job


def decide_format(named: str | None, window: bytes, *, complete: bool, smiles_column: str) -> FormatChoice:
    """The format of the decoded text whose first bytes are `window`; `named` is what the name says."""
    if named is not None and named not in SNIFFED:  # a format known by its name alone
        return FormatChoice(named, FORMATS[named].delimiter, f"The file name says {FORMATS[named].label}.")
    lines = window.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if not complete and len(lines) > 1:
        lines.pop()  # the last line may be cut short
    lines = lines[:SNIFF_LINES]
    molblock = _top_molblock(lines)
    if molblock is not None:
        return FormatChoice("sdf", "", molblock)
    content = [line for line in lines if line.strip() and not line.lstrip().startswith(b"#")]
    if not content:
        return FormatChoice(named or "smiles", {"csv": ",", "tsv": "\t"}.get(named or "", ""),
                            "The file has no content lines to judge by.")
    first = content[0]
    header = _header_delimiter(first, smiles_column, allow_tab=named != "smiles")
    if header is not None:
        return FormatChoice("tsv" if header == b"\t" else "csv", header.decode(),
                            f"The first row is a header with a {smiles_column!r} column, separated by "
                            f"{_DELIMITERS[header]}.")
    marker = _sd_marker(lines)
    if marker and not _looks_like_rows(first, content):
        return FormatChoice("sdf", "", f"The file has SD record markers ({marker}) and its lines are "
                                       "neither SMILES nor delimited rows.")
    return _by_name_then_shape(named, first, content)


def _by_name_then_shape(named: str | None, first: bytes, content: list[bytes]) -> FormatChoice:
    says = f"The file name says {FORMATS[named].label}" if named else ""
    if named in ("csv", "tsv"):
        delimiter = "," if named == "csv" else "\t"
        if delimiter.encode() not in first and _all_smiles_lines(content[:5]):
            return FormatChoice("smiles", "", f"{says}, but its first lines are SMILES strings with no "
                                              f"{_DELIMITERS[delimiter.encode()][:-1]} between fields.")
        return FormatChoice(named, delimiter, f"{says}.")
    if named == "sdf":
        if _all_smiles_lines(content[:5]):
            return FormatChoice("smiles", "", f"{says}, but its first lines are SMILES strings, not a molblock.")
        return FormatChoice("sdf", "", f"{says}.")
    token = first.split(None, 1)[0]
    if b"," in token and looks_like_smiles(token.split(b",", 1)[0]):
        # SMILES never hold commas
        return FormatChoice("csv", ",", "The first line starts with a SMILES and a comma: a CSV file "
                                        "without a header row.")
    if named == "smiles":
        return FormatChoice("smiles", "", f"{says} and no header row names a SMILES column in a delimited file.")
    return FormatChoice("smiles", "", "The first lines read as SMILES strings: no molblock and no delimited "
                                      "header row.")


def _is_counts_line(line: bytes, *, stamped: bool) -> bool:
    """A molfile counts line: digits and spaces, ending in V2000/V3000 when `stamped`."""
    match = _COUNTS.fullmatch(line)
    return match is not None and (match.group(1) is not None or not stamped)


def _top_molblock(lines: list[bytes]) -> str | None:
    """Why the file starts with a molblock (its counts line 3 lines below the title), or None."""
    for start in range(min(_LEADING_BLANKS, len(lines)) + 1):
        if start and lines[start - 1].strip():
            break
        at = start + 3
        if at >= len(lines):
            break
        line = lines[at].rstrip()
        if _is_counts_line(line, stamped=True):
            version = line[-5:].decode()
        elif _is_counts_line(line, stamped=False) and any(rest.startswith(b"M  END") for rest in lines[at + 1:]):
            version = "no version stamp, an 'M  END' below"
        else:
            continue
        return f"The first record's line {at + 1} is a molfile counts line ({version}): an SD file."
    return None


def _sd_marker(lines: list[bytes]) -> str | None:
    """The first SD record marker of the window, named with its line ("'$$$$' on line 7")."""
    for number, line in enumerate(lines, 1):
        if is_end_line(line):
            return f"'$$$$' on line {number}"
        if line.startswith(b"M  END"):
            return f"'M  END' on line {number}"
        if line.rstrip().endswith((b"V2000", b"V3000")):
            return f"a line ending in {line.rstrip()[-5:].decode()} on line {number}"
    return None


def _looks_like_rows(first: bytes, content: list[bytes]) -> bool:
    """Whether the lines are SMILES lines or delimited rows (the first cell a SMILES, or one
    delimiter count on most lines), so that a marker line among them is only a name or a cell."""
    token = first.split(None, 1)[0]
    for delimiter in _DELIMITERS:
        token = token.split(delimiter, 1)[0]
    if looks_like_smiles(token):
        return True
    sample = content[:20]
    for delimiter in _DELIMITERS:
        count = first.count(delimiter)
        if count and len(sample) >= 2 and sum(line.count(delimiter) == count for line in sample) >= 0.6 * len(sample):
            return True
    return False


def _header_delimiter(first: bytes, smiles_column: str, *, allow_tab: bool) -> bytes | None:
    wanted = smiles_column.strip().lower().encode("utf-8")
    for delimiter in _DELIMITERS:
        if delimiter == b"\t" and not allow_tab:
            continue
        if delimiter in first:
            cells = [cell.strip().strip(b'"').strip().lower() for cell in first.split(delimiter)]
            if wanted in cells:
                return delimiter
    return None


def _all_smiles_lines(lines: list[bytes]) -> bool:
    return all(looks_like_smiles(line.split(None, 1)[0]) or is_smiles_header(line) for line in lines)
