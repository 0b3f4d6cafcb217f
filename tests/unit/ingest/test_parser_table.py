"""The upload formats table: every parser provides what RecordParser declares, and a format in the
table alone is chosen by its file name and parsed by its own parser."""

from __future__ import annotations

import inspect

import pytest

from chemaudit.errors import BadInput
from chemaudit.ingest import parsers
from chemaudit.ingest.parsers import FORMATS, ParserSetup, RecordParser, UploadFormat, make_parser
from chemaudit.ingest.records import Numbering, Record
from chemaudit.ingest.sniff import format_from_name
from tests.unit.ingest.ingest_helpers import make_limits, split_bytes

DECLARED = [name for name, _ in inspect.getmembers(RecordParser, inspect.isfunction) if not name.startswith("_")]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_parser_in_the_table_provides_what_a_parser_must(fmt):
    parser = make_parser(fmt, ParserSetup(Numbering(10), make_limits(), FORMATS[fmt].delimiter))
    assert set(DECLARED) == {"feed_lines", "finish"}
    for name in DECLARED:
        assert callable(getattr(type(parser), name)), name
    assert parser.kind in ("smiles", "mol") and parser.empty_detail is None


def test_every_extension_names_one_format():
    extensions = [ext for f in FORMATS.values() for ext in f.extensions]
    assert len(extensions) == len(set(extensions))
    assert all(format_from_name(f"x.{ext}.gz") == f.name for f in FORMATS.values() for ext in f.extensions)


class WordPerLine:
    """A made-up format for the test: each line's first word is a SMILES."""

    kind = "smiles"
    empty_detail: str | None = "The word file has no words."

    def __init__(self, numbering: Numbering):
        self.numbering = numbering

    def feed_lines(self, lines: list[bytes], first_lineno: int) -> list[Record]:
        return [self.numbering.make(f"w{lineno}", "smiles", line.split()[0].decode())
                for lineno, line in enumerate(lines, first_lineno) if line.strip()]

    def finish(self) -> list[Record]:
        return []


@pytest.fixture
def word_format(monkeypatch):
    fmt = UploadFormat("words", "word", ("words",), lambda setup: WordPerLine(setup.numbering))
    monkeypatch.setitem(FORMATS, "words", fmt)
    monkeypatch.setitem(parsers.BY_EXTENSION, "words", "words")
    return fmt


def test_a_new_format_is_one_parser_and_one_table_entry(word_format):
    records, splitter = split_bytes(b"CCO ethanol\nc1ccccc1 benzene\n", "lib.words")
    assert (splitter.format, splitter.format_reason) == ("words", "The file name says word.")
    assert [(r.kind, r.text) for r in records] == [("smiles", "CCO"), ("smiles", "c1ccccc1")]
    with pytest.raises(BadInput, match="The word file has no words."):
        split_bytes(b"\n\n", "empty.words")
