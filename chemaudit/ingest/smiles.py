"""SMILES files: one molecule a line, an optional name after whitespace, an optional header."""

from __future__ import annotations

import re

from chemaudit.ingest.records import Numbering, Record, decode

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

    def __init__(self, numbering: Numbering):
        self._numbering = numbering
        self._first = True

    def feed_lines(self, lines: list[bytes], first_lineno: int) -> list[Record]:
        out = []
        make = self._numbering.make
        for line in lines:
            line = line.strip()
            if not line or line[0] == 0x23:  # '#': a comment
                continue
            if self._first:
                self._first = False
                if is_smiles_header(line):
                    continue
            parts = line.split(None, 1)
            smiles = parts[0]
            name = b""
            if len(parts) == 2:
                smiles, name = _split_name(smiles, parts[1])
            out.append(make(decode(name), "smiles", decode(smiles)))
        return out

    def finish(self) -> list[Record]:
        return []


def _split_name(smiles: bytes, rest: bytes) -> tuple[bytes, bytes]:
    """Keep a CXSMILES extension ("|...|") with the SMILES; a tab ends the name field."""
    if rest[:1] == b"|":
        close = rest.find(b"|", 1)
        if close > 0:
            smiles = smiles + b" " + rest[: close + 1]
            rest = rest[close + 1:].strip()
    if b"\t" in rest:
        rest = rest.split(b"\t", 1)[0].strip()
    return smiles, rest
