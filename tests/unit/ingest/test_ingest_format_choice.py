"""One line must not turn a CSV or SMILES file into an SD file; the choice comes with its reason
(issue 18, item 3)."""

from __future__ import annotations

import pytest
from ingest_helpers import RDKIT_DATA, split_bytes

from chemaudit.ingest.format_choice import decide_format

ISSUE_CSV = b"SMILES,Name\nCCO,ethanol\nCCN,Reagent kit V3000\nCCC,propane\n"
NCI_SDF = RDKIT_DATA / "NCI" / "first_200.props.sdf"


@pytest.mark.parametrize("filename, data, fmt, names", [
    ("kit.csv", ISSUE_CSV, "csv", ["ethanol", "Reagent kit V3000", "propane"]),
    ("kit.txt", ISSUE_CSV, "csv", ["ethanol", "Reagent kit V3000", "propane"]),
    ("kit", ISSUE_CSV.replace(b"V3000", b"V2000"), "csv", ["ethanol", "Reagent kit V2000", "propane"]),
    ("kit.csv", b"SMILES,Name\nCCO,\"two\nlines\n$$$$\"\nCCC,propane\n", "csv", ["two\nlines\n$$$$", "propane"]),
    ("kit.csv", b"CCO,ethanol\nCCN,Reagent kit V3000\nCCC,propane\n", "csv",
     ["ethanol", "Reagent kit V3000", "propane"]),
    ("kit.smi", b"CCO ethanol\nCCN Reagent kit V3000\n$$$$\nCCC propane\n", "smiles",
     ["ethanol", "Reagent kit V3000", "mol_2", "propane"]),
    ("kit.csv", b'SMILES,Name\nCCO,"a\nM  END\nb"\nCCC,propane\n', "csv", ["a\nM  END\nb", "propane"]),
])
def test_a_marker_line_does_not_make_a_delimited_or_smiles_file_sdf(filename, data, fmt, names):
    records, splitter = split_bytes(data, filename)
    assert splitter.format == fmt, splitter.format_reason
    assert [r.name for r in records] == names


@pytest.mark.parametrize("filename", ["mols.sdf", "mols.csv", "mols.smi", "mols.txt", "mols"])
def test_a_real_sd_file_is_sdf_whatever_its_name(filename):
    records, splitter = split_bytes(NCI_SDF.read_bytes(), filename)
    assert splitter.format == "sdf" and len(records) == 200
    assert "counts line" in splitter.format_reason


def _reason(named, text: bytes, column: str = "SMILES") -> tuple[str, str]:
    choice = decide_format(named, text, complete=True, smiles_column=column)
    return choice.format, choice.reason


@pytest.mark.parametrize("named, text, fmt, words", [
    ("csv", ISSUE_CSV, "csv", ["header", "'SMILES'", "comma"]),
    (None, b"smiles\tid\nCCO\t1\n", "tsv", ["header", "tab"]),
    ("sdf", NCI_SDF.read_bytes()[:5000], "sdf", ["line 4", "counts line", "V2000"]),
    ("csv", b"CCO ethanol\nCC ethane\n", "smiles", ["name says CSV", "SMILES"]),
    (None, b"CCO,ethanol\nCC,ethane\n", "csv", ["without a header"]),
    (None, b"CCO ethanol\n", "smiles", ["SMILES"]),
    ("smiles", b"CCO ethanol\n", "smiles", ["name says SMILES"]),
])
def test_the_choice_says_why(named, text, fmt, words):
    chosen, reason = _reason(named, text)
    assert chosen == fmt
    for word in words:
        assert word in reason, reason
    assert reason[0].isupper() or reason[0] in "'.", reason


def test_the_splitter_reports_the_reason_of_its_choice():
    _, splitter = split_bytes(ISSUE_CSV, "kit.csv")
    assert splitter.format == "csv" and "header" in splitter.format_reason


def test_an_excel_sep_hint_line_names_the_delimiter_and_is_not_a_row():
    from chemaudit.ingest import IngestLimits, UploadSplitter
    from chemaudit.settings import Settings

    splitter = UploadSplitter("excel.csv", smiles_column="SMILES", name_column=None,
                              limits=IngestLimits.from_settings(Settings()))
    records = splitter.feed(b"sep=;\r\nSMILES;Name\r\nCCO;ethanol\r\nc1ccccc1O;phenol\r\n") + splitter.finish()
    assert splitter.format == "csv" and "sep=;" in splitter.format_reason
    assert [(r.name, r.text, r.error) for r in records] == [("ethanol", "CCO", None), ("phenol", "c1ccccc1O", None)]
