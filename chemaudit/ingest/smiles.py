"""SMILES files: one molecule a line, an optional name after whitespace, an optional header."""

from __future__ import annotations

import re

from chemaudit.ingest.records import Numbering, Record, decode, too_long

# Outside brackets a SMILES holds only organic-subset atoms, ring digits, bonds and branches
# (plus '>' for reactions and '*' for a wildcard); words like "Name" or "ID" do not pass.
_SMILES_TOKEN = re.compile(
    rb"(?:Cl|Br|[BCNOPSFIbcnops*]|\[[^\[\]\s]{1,40}\]|[0-9%()=#$/\\.:~+\-@>])+"
)
_HAS_ATOM = re.compile(rb"[BCNOPSFIbcnops*\[]")


def looks_like_smiles(token: bytes) -> bool:
    """True when `token` is made only of SMILES characters and has at least one atom."""
    token = token.strip()
    return bool(token) and _SMILES_TOKEN.fullmatch(token) is not None and _HAS_ATOM.search(token) is not None


def is_smiles_header(line: bytes) -> bool:
    """A header line such as "smiles name" or "SMILES\\tName": some word is a SMILES column name."""
    words = line.split()[:8]
    if not words or looks_like_smiles(words[0]):
        return False
    return any(_is_smiles_word(word) for word in words)


def _is_smiles_word(word: bytes) -> bool:
    word = word.strip(b"\"'").lower()
    return b"smiles" in word or word == b"smi"


class SmilesParser:
    """Blank and '#' lines are skipped; a first line naming a SMILES column is a header."""

    kind = "smiles"

    def __init__(self, numbering: Numbering, max_record_bytes: int):
        self._numbering = numbering
        self._max = max_record_bytes
        self._first = True
        self.empty_detail: str | None = None

    def feed_lines(self, lines: list[bytes], first_lineno: int) -> list[Record]:
        out = []
        make = self._numbering.make
        for line in _decode_lines(lines):
            line = line.strip()
            if not line or line[0] == "#":  # a blank line or a comment
                continue
            if self._first:
                self._first = False
                if is_smiles_header(line.encode("utf-8")):
                    self.empty_detail = "The SMILES file has a header line but no molecules."
                    continue
            parts = line.split(None, 1)
            if len(parts) == 1:
                smiles, name = line, ""
            else:
                smiles, name = parts
                if name[0] == "|" or "\t" in name:
                    smiles, name = _split_name(smiles, name)
            if len(smiles) > self._max:
                out.append(make(name, "smiles", "", too_long(len(smiles), self._max)))
            else:
                out.append(make(name, "smiles", smiles))
        return out

    def finish(self) -> list[Record]:
        return []


def _decode_lines(lines: list[bytes]) -> list[str]:
    """Decode a batch at once (line by line with the fallback only if that fails); drop empty lines."""
    try:
        decoded = b"\n".join(lines).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        decoded = [decode(line) for line in lines]
    return list(filter(None, decoded))  # drop empty lines in C: a file of newlines must not cost a loop each


def _split_name(smiles: str, rest: str) -> tuple[str, str]:
    """Keep a CXSMILES extension ("|...|") with the SMILES; a tab ends the name field."""
    if rest[:1] == "|":
        close = rest.find("|", 1)
        if close > 0:
            smiles = smiles + " " + rest[: close + 1]
            rest = rest[close + 1:].strip()
    if "\t" in rest:
        rest = rest.split("\t", 1)[0].strip()
    return smiles, rest
