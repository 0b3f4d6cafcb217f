"""CSV/TSV: real PAINS and NCI files, headers and names, RFC 4180 quoting against the csv module."""

from __future__ import annotations

import csv
import io
import random

import pytest
from ingest_helpers import RDKIT_DATA, make_limits, split_bytes

from chemaudit.errors import BadInput

WEHI = RDKIT_DATA / "Pains" / "test_data" / "wehi_mols.csv"


@pytest.mark.parametrize("how", ["whole", 65536, "random"])
def test_wehi_mols_is_a_headerless_quoted_csv_of_10000(how):
    records, splitter = split_bytes(WEHI.read_bytes(), "wehi_mols.csv", how)
    expected = list(csv.reader(io.StringIO(WEHI.read_text())))
    assert splitter.format == "csv"
    assert len(records) == len(expected) == 10_000
    assert [(r.text, r.name) for r in records] == [(row[0], row[1]) for row in expected]
    assert records[0].name == "WEHI-0039854"


@pytest.mark.parametrize("filename, count", [("first_200.tpsa.csv", 200), ("first_5k.tpsa.csv", 4999)])
def test_nci_tpsa_files_skip_their_comment_and_read_headerless(filename, count):
    path = RDKIT_DATA / "NCI" / filename
    records, _ = split_bytes(path.read_bytes(), filename)
    rows = [line.split(",") for line in path.read_text().splitlines() if not line.startswith("#")]
    assert len(records) == count
    assert [r.text for r in records] == [row[0] for row in rows]


def test_the_smiles_column_is_matched_case_insensitively_and_a_name_column_is_picked():
    data = b"Compound_ID,MW,smiles,Name\nC-1,46.07,CCO,ethanol\nC-2,30.07,CC,ethane\n"
    records, _ = split_bytes(data, "x.csv")
    assert [(r.text, r.name) for r in records] == [("CCO", "ethanol"), ("CC", "ethane")]  # "name" ranks first


@pytest.mark.parametrize(
    "header, expected",
    [("SMILES,id", "1"), ("SMILES,TITLE", "1"), ("SMILES,compound_id", "1"), ("SMILES,molecule_name", "1"),
     ("SMILES,mol_name", "1"), ("SMILES,label", "mol_0")],
)
def test_name_column_candidates(header, expected):
    records, _ = split_bytes(f"{header}\nCCO,1\n".encode(), "x.csv")
    assert records[0].name == expected


def test_explicit_columns_and_a_missing_name_column():
    data = b"Compound,Structure\naspirin,CC(=O)Oc1ccccc1C(=O)O\n"
    records, _ = split_bytes(data, "x.csv", smiles_column="structure", name_column="COMPOUND")
    assert (records[0].text, records[0].name) == ("CC(=O)Oc1ccccc1C(=O)O", "aspirin")
    with pytest.raises(BadInput, match=r"no column named 'Title' for the names \(columns found: 'Compound', 'Structure'\)"):
        split_bytes(data, "x.csv", smiles_column="Structure", name_column="Title")


def test_a_missing_smiles_column_names_what_was_found_and_what_was_asked():
    with pytest.raises(BadInput) as caught:
        split_bytes(b"Structure,Name\nCCO,ethanol\n", "x.csv")
    assert caught.value.detail == (
        "The CSV file has no column named 'SMILES' (columns found: 'Structure', 'Name'); "
        "name the SMILES column with the smiles_column field."
    )
    with pytest.raises(BadInput, match=r"no column named 'smi'.*did you mean 'SMILES'"):
        split_bytes(b"SMILES,Name\nCCO,ethanol\n", "x.csv", smiles_column="smi")


def test_a_headerless_file_cannot_have_a_name_column():
    with pytest.raises(BadInput, match="no header row"):
        split_bytes(b"CCO,ethanol\n", "x.csv", name_column="Name")


def test_tsv_and_semicolon_files():
    records, splitter = split_bytes(b"Name\tSMILES\nethanol\tCCO\n", "x.tsv")
    assert splitter.format == "tsv" and (records[0].text, records[0].name) == ("CCO", "ethanol")
    records, splitter = split_bytes(b"SMILES;Name\nCCO;ethanol\n", "x.csv")
    assert splitter.format == "csv" and (records[0].text, records[0].name) == ("CCO", "ethanol")


def random_csv(rng: random.Random, rows: int) -> tuple[bytes, list[list[str]]]:
    """A CSV written by the csv module with commas, quotes and newlines inside fields."""
    alphabet = ["C", "O", "N", "c1ccccc1", ",", '"', "\n", "\r\n", " ", "x", "\u00e9", ""]
    table = [["SMILES", "Name", "Note"]]
    for _ in range(rows):
        note = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        table.append([rng.choice(["CCO", "c1ccccc1", "C(=O)O", "[Na+].[Cl-]"]), name, note])
    out = io.StringIO()
    csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"])).writerows(table)
    return out.getvalue().encode(), table


@pytest.mark.parametrize("seed", range(8))
def test_quoted_fields_split_exactly_like_the_csv_module(seed):
    rng = random.Random(seed)
    data, table = random_csv(rng, 300)
    records, _ = split_bytes(data, "x.csv", "random")
    expected_names = [row[1].replace("\r\n", "\n").strip() for row in table[1:]]
    assert [r.text for r in records] == [row[0] for row in table[1:]]
    assert [r.name for r in records] == [name or f"mol_{i}" for i, name in enumerate(expected_names)]


def test_an_unclosed_quote_is_refused_with_its_line():
    with pytest.raises(BadInput, match=r'quoted field that opens on line 3 is never closed.*mismatched quote'):
        split_bytes(b'SMILES,Name\nCCO,ok\nCC,"broken\nCCC,propane\n', "x.csv", "random")


def test_a_runaway_quote_is_stopped_at_the_record_limit_not_at_the_end_of_the_file():
    data = b'SMILES,Name\nCC,"broken\n' + b"CCC,propane\n" * 10_000
    with pytest.raises(BadInput, match=r"opens on line 2 runs on for more than 1,000 bytes"):
        split_bytes(data, "x.csv", 4096, limits=make_limits(max_record_bytes=1000))


def test_a_quote_inside_an_unquoted_field_is_literal_like_the_csv_module():
    data = b'SMILES,Name\nCCO,5" tablet\nCC,ethane\n'
    records, _ = split_bytes(data, "x.csv")
    assert [r.name for r in records] == ['5" tablet', "ethane"]


def test_ragged_and_empty_rows():
    data = b"ID,Name,SMILES\n1,ethanol,CCO\n2,short\n\n3,propane,CCC,extra\n,,\n4,,\n"
    records, _ = split_bytes(data, "x.csv")
    assert [(r.idx, r.name, r.text) for r in records] == [
        (0, "ethanol", "CCO"), (1, "short", ""), (2, "propane", "CCC"), (3, "mol_3", ""),
    ]
    assert records[1].error == "Line 3 has 2 fields, so no SMILES in column 3."
    assert records[3].error == "Line 7 has an empty SMILES cell."


def test_a_field_over_the_csv_module_limit_is_read_with_its_name():
    data = b"SMILES,Name\nCCO,ok\n" + b"C" * 200_000 + b",huge\nCC,after\n"
    records, _ = split_bytes(data, "x.csv")
    assert [r.error is None for r in records] == [True, True, True]
    assert [r.name for r in records] == ["ok", "huge", "after"]
    assert len(records[1].text) == 200_000


def test_ten_thousand_columns_with_smiles_last(corpus_generator, tmp_path):
    path = corpus_generator.wide_csv(tmp_path / "wide.csv", columns=10_000, rows=5)
    records, _ = split_bytes(path.read_bytes(), "wide.csv", "random")
    assert [r.text for r in records] == [smi for smi, _ in corpus_generator.NCI]
    with pytest.raises(BadInput, match=r"columns found: 'descriptor_0', .* and 9,980 more"):
        split_bytes(path.read_bytes(), "wide.csv", smiles_column="nothing")


def test_a_header_cell_over_the_csv_module_limit_is_still_a_header():
    records, _ = split_bytes(b"SMILES," + b"x" * 200_000 + b"\nCCO,1\n", "x.csv")
    assert [(r.text, r.error) for r in records] == [("CCO", None)]
