"""SMILES files: real NCI lines, names, headers, comments, reactions, CXSMILES."""

from __future__ import annotations

import pytest
from ingest_helpers import RDKIT_DATA, split_bytes
from rdkit import Chem

NCI_SMI = RDKIT_DATA / "NCI" / "first_5K.smi"


@pytest.mark.parametrize("how", ["whole", 65536, "random"])
def test_first_5k_smi_gives_every_line_as_a_record(how):
    data = NCI_SMI.read_bytes()
    records, splitter = split_bytes(data, "first_5K.smi", how)
    lines = [line.split("\t") for line in data.decode().splitlines()]
    # The file is named 5K but holds 4,999 lines; RDKit's own supplier agrees.
    supplier = Chem.SmilesMolSupplier(str(NCI_SMI), delimiter="\t", titleLine=False)
    assert len(records) == len(lines) == len(supplier) == 4999
    assert splitter.format == "smiles"
    assert [r.idx for r in records] == list(range(4999))
    assert [(r.text, r.name) for r in records] == [(smi, name) for smi, name in lines]
    assert {r.kind for r in records} == {"smiles"} and all(r.error is None for r in records)


@pytest.mark.parametrize("header", ["smiles name", "SMILES\tName", "Canonical_SMILES ID", "smi id", "# c\n\nSMILES"])
def test_a_header_line_is_skipped(header):
    records, _ = split_bytes(f"{header}\nCCO ethanol\nCC ethane\n".encode(), "x.smi")
    assert [(r.text, r.name) for r in records] == [("CCO", "ethanol"), ("CC", "ethane")]


def test_a_first_line_that_is_a_molecule_is_not_a_header_even_if_named_smiles():
    records, _ = split_bytes(b"CCO smiles_demo\nCC ethane\n", "x.smi")
    assert [r.name for r in records] == ["smiles_demo", "ethane"]


def test_only_the_first_line_can_be_a_header():
    records, _ = split_bytes(b"CCO a\nSMILES b\n", "x.smi")
    assert [r.text for r in records] == ["CCO", "SMILES"]  # the chemistry will reject it, visibly


def test_names_blank_lines_comments_and_whitespace():
    data = b"# made by hand\n\nCCO\n  c1ccccc1   benzene ring  \n\t\nCC(=O)O\tacetic acid\textra\n# end\nN\t\t\n"
    records, _ = split_bytes(data, "x.smi")
    assert [(r.idx, r.text, r.name) for r in records] == [
        (0, "CCO", "mol_0"), (1, "c1ccccc1", "benzene ring"), (2, "CC(=O)O", "acetic acid"), (3, "N", "mol_3"),
    ]


def test_reaction_smiles_are_records():
    records, _ = split_bytes(b"CC(=O)O.OCC>>CC(=O)OCC.O ester\nCC=O>[H][H]>CCO\n", "r.smi")
    assert [(r.text, r.name) for r in records] == [("CC(=O)O.OCC>>CC(=O)OCC.O", "ester"), ("CC=O>[H][H]>CCO", "mol_1")]


def test_a_cxsmiles_extension_stays_with_the_smiles():
    records, _ = split_bytes(b"C[C@H](N)C(=O)O |&1:1| alanine\n", "x.smi")
    assert (records[0].text, records[0].name) == ("C[C@H](N)C(=O)O |&1:1|", "alanine")
    assert Chem.MolFromSmiles(records[0].text) is not None


def test_undecodable_names_fall_back_per_line():
    data = "CCO caf\xe9\n".encode("latin-1") + "CC \u03b1-ethane\n".encode() + b"N bad\x81byte\n"
    records, _ = split_bytes(data, "x.smi", "random")
    assert [r.name for r in records] == ["caf\xe9", "\u03b1-ethane", "bad\x81byte"]
