"""Format from name and content: extensions, content overrides, binary refusal."""

from __future__ import annotations

import pytest

from chemaudit.errors import BadInput, UnsupportedFormat
from chemaudit.ingest.format_choice import decide_format
from chemaudit.ingest.smiles import looks_like_smiles
from chemaudit.ingest.sniff import check_text, format_from_name


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("a.sdf", "sdf"), ("A.SDF", "sdf"), ("a.sd", "sdf"), ("a.mol", "sdf"), ("a.sdf.gz", "sdf"),
        ("a.smi", "smiles"), ("a.smiles", "smiles"), ("a.smi.gz", "smiles"),
        ("a.csv", "csv"), ("a.CSV.GZ", "csv"), ("a.tsv", "tsv"),
        ("a.txt", None), ("a.txt.gz", None), ("molecules", None), ("a.gz", None), ("", None),
        ("a.weird", None), (r"C:\Users\me\lib.v2.SMI", "smiles"), ("dir/x.sdf/y.csv", "csv"),
    ],
)
def test_format_from_name(filename, expected):
    assert format_from_name(filename) == expected


@pytest.mark.parametrize("filename", ["book.xlsx", "scan.PDF", "protein.pdb", "lig.mol2", "x.tar.gz", "x.zip"])
def test_known_other_formats_are_refused_by_name(filename):
    with pytest.raises(UnsupportedFormat, match="not supported"):
        format_from_name(filename)


def decide(named, text: bytes, complete=True, column="SMILES"):
    return decide_format(named, text, complete=complete, smiles_column=column)[:2]


@pytest.mark.parametrize(
    "named, text, expected",
    [
        (None, b"CCO ethanol\nCC ethane\n", ("smiles", "")),
        (None, b"\n  RDKit\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n", ("sdf", "")),
        ("csv", b"title\n\n\nM  END\n$$$$\n", ("sdf", "")),
        ("smiles", b"x\n$$$$\n", ("sdf", "")),
        (None, b"SMILES\tName\nCCO\tethanol\n", ("tsv", "\t")),
        (None, b"id,smiles\n1,CCO\n", ("csv", ",")),
        (None, b"Smiles;Name\nCCO;x\n", ("csv", ";")),
        ("smiles", b"SMILES\tName\nCCO\tx\n", ("smiles", "")),  # a tab header is a SMILES-file header
        ("smiles", b"smiles,name\nCCO,x\n", ("csv", ",")),
        (None, b"CCO,ethanol\n", ("csv", ",")),
        (None, b"# comment\nCCO,ethanol\n", ("csv", ",")),
        ("csv", b"CCO ethanol\nCC ethane\n", ("smiles", "")),
        ("csv", b"a,b\n1,2\n", ("csv", ",")),
        ("tsv", b"a\tb\n", ("tsv", "\t")),
        ("sdf", b"CCO ethanol\nCC ethane\n", ("smiles", "")),
        ("sdf", b"junk title\n  program\n", ("sdf", "")),
        ("csv", b"\n\n", ("csv", ",")),
        (None, b"", ("smiles", "")),
        (None, b"structure,id\nCCO,1\n", ("smiles", "")),
    ],
)
def test_decide_format(named, text, expected):
    assert decide(named, text) == expected


def test_a_custom_smiles_column_drives_the_header_match():
    assert decide(None, b"Structure\tid\nCCO\t1\n", column="structure") == ("tsv", "\t")


def test_an_incomplete_window_ignores_its_cut_last_line():
    counts = b"\n  RDKit\n\n  1  0  0  0  0  0  0  0  0  0999 V2000"
    assert decide(None, counts[:-2], complete=False) == ("smiles", "")
    assert decide(None, counts, complete=True) == ("sdf", "")


@pytest.mark.parametrize(
    "window, named, error, match",
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "smiles", UnsupportedFormat, "PNG image"),
        (b"\x7fELF\x02\x01\x01", "sdf", UnsupportedFormat, "ELF"),
        (b"PK\x03\x04\x14\0", "csv", UnsupportedFormat, "ZIP archive"),
        (b"\x1f\x8b\x08\0", None, UnsupportedFormat, "compressed twice"),
        (b"\0\x01\x02\x03\x04 binary \x05\x06", "sdf", BadInput, "named as SDF but holds binary"),
        (b"\0\x01\x02\x03\x04 binary \x05\x06", None, UnsupportedFormat, "binary data"),
        ("CCO ethanol\n".encode("utf-16-le"), "smiles", BadInput, "UTF-16 text without a byte-order mark"),
    ],
)
def test_binary_content_is_refused(window, named, error, match):
    with pytest.raises(error, match=match):
        check_text(window, named)


@pytest.mark.parametrize("window", [b"CCO ethanol\n", b"CCO\x1a\n" + b"C\n" * 100, b"", b"x\0y\n" + b"CC\n" * 200])
def test_text_passes(window):
    check_text(window, "smiles")  # a lone NUL is left for the line splitter to report with its line


@pytest.mark.parametrize(
    "token, expected",
    [
        (b"CCO", True), (b"c1ccccc1", True), (b"[Na+].[Cl-]", True), (b"C[C@@H](N)C(=O)O", True),
        (b"CC>>CC", True), (b"*C", True), (b"Name", False), (b"ID", False), (b"SMILES", False),
        (b"1234", False), (b"3.14", False), (b"", False), (b"mol_id", False), (b"C C", False),
    ],
)
def test_looks_like_smiles(token, expected):
    assert looks_like_smiles(token) is expected
