"""SD files: real NCI records, titles, blank lines, line endings, V3000, the record size cap."""

from __future__ import annotations

import pytest
from ingest_helpers import RDKIT_DATA, make_limits, split_bytes
from rdkit import Chem

from chemaudit.ingest import Record

NCI_SDF = RDKIT_DATA / "NCI" / "first_200.props.sdf"


def nci_records(count: int) -> list[str]:
    return NCI_SDF.read_text().split("$$$$\n")[:count]


def with_titles(titles: list[str]) -> list[str]:
    return [f"{title}\n" + record.split("\n", 1)[1] for title, record in zip(titles, nci_records(len(titles)))]


def join(records: list[str]) -> bytes:
    return "".join(record + "$$$$\n" for record in records).encode()


@pytest.mark.parametrize("how", ["whole", 65536, "random"])
def test_first_200_props_gives_200_records_that_rdkit_reads_back_whole(how):
    records, splitter = split_bytes(NCI_SDF.read_bytes(), "first_200.props.sdf", how)
    assert splitter.format == "sdf" and not splitter.compressed
    assert [r.idx for r in records] == list(range(200))
    assert [r.name for r in records] == [f"mol_{i}" for i in range(200)]  # every NCI title line is blank
    assert {r.kind for r in records} == {"mol"} and all(r.error is None for r in records)
    reference = list(Chem.SDMolSupplier(str(NCI_SDF)))
    for record, expected in zip(records, reference):
        assert "$$$$" not in record.text and record.text.endswith("\n")
        supplier = Chem.SDMolSupplier()
        supplier.SetData(record.text)
        mol = supplier[0]
        assert mol.GetNumAtoms() == expected.GetNumAtoms()
        assert Chem.MolToSmiles(mol) == Chem.MolToSmiles(expected)
        assert mol.GetPropsAsDict() == expected.GetPropsAsDict()  # the data items came along


def test_titles_become_names_and_a_blank_title_falls_back():
    records, _ = split_bytes(join(with_titles(["aspirin", "  padded title  ", "", "NSC 4"])), "t.sdf")
    assert [r.name for r in records] == ["aspirin", "padded title", "mol_2", "NSC 4"]
    assert records[0].text.startswith("aspirin\n")


@pytest.mark.parametrize("how", ["whole", 1, "random"])
def test_crlf_cr_and_missing_final_dollars_give_the_same_records(how):
    plain = join(with_titles(["a", "b", "c"]))
    expected, _ = split_bytes(plain, "x.sdf")
    for variant in (plain.replace(b"\n", b"\r\n"), plain.replace(b"\n", b"\r"), plain[: -len(b"$$$$\n")]):
        records, _ = split_bytes(variant, "x.sdf", how)
        assert records == expected


def test_blank_lines_between_records_are_not_records_and_do_not_shift_titles():
    clean = with_titles(["first", "", "third"])
    expected, _ = split_bytes(join(clean), "x.sdf")
    messy = ("\n\n\n" + "$$$$\n\n\n".join(clean) + "$$$$\n\n\n\n").encode()
    records, _ = split_bytes(messy, "x.sdf")
    assert records == expected
    assert [r.name for r in records] == ["first", "mol_1", "third"]
    assert records[1].text.startswith("\n     RDKit")  # the blank title line itself is kept


def test_a_record_with_three_blank_header_lines_keeps_them():
    block = "\n\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0  0\nM  END\n"
    records, _ = split_bytes(("\n\n" + block + "$$$$\n" + block).encode(), "x.sdf")
    assert [r.text for r in records] == [block, block]


def test_v3000_records_pass_through_whole():
    blocks = []
    for smi, name in (("CC(=O)Oc1ccccc1C(=O)O", "aspirin"), ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "caffeine")):
        mol = Chem.MolFromSmiles(smi)
        mol.SetProp("_Name", name)
        blocks.append(Chem.MolToV3KMolBlock(mol))
    records, _ = split_bytes(join(blocks), "v3.sdf", "random")
    assert [r.text for r in records] == blocks
    assert [r.name for r in records] == ["aspirin", "caffeine"]
    assert Chem.MolToSmiles(Chem.MolFromMolBlock(records[1].text)) == Chem.MolToSmiles(Chem.MolFromSmiles("Cn1cnc2c1c(=O)n(C)c(=O)n2C"))


def test_a_latin1_title_is_decoded_without_failing_the_upload():
    data = join(with_titles(["caf\xe9ine", "plain"])).decode().encode("latin-1")
    records, _ = split_bytes(data, "x.sdf")
    assert [r.name for r in records] == ["caf\xe9ine", "plain"]


def test_a_molblock_over_the_size_limit_is_an_error_row_and_its_neighbours_survive():
    small = with_titles(["small", "big", "after"])
    big = small[1].replace("M  END\n", ("M  ZZZ " + "x" * 63 + "\n") * 200 + "M  END\n", 1)
    records, _ = split_bytes(join([small[0], big, small[2]]), "x.sdf", "random", limits=make_limits(max_record_bytes=6000))
    assert [r.idx for r in records] == [0, 1, 2]
    assert [r.name for r in records] == ["small", "big", "after"]
    assert records[0].error is None and records[2].error is None
    assert records[1].text == "" and "larger than 6,000 bytes" in records[1].error
    assert records[2].text == small[2]


def test_junk_between_records_is_a_record_for_the_chemistry_to_reject():
    good = with_titles(["a", "b"])
    records, _ = split_bytes(join([good[0], "not a molecule\n", good[1]]), "x.sdf")
    assert [r.name for r in records] == ["a", "not a molecule", "b"]
    assert records[1] == Record(1, "not a molecule", "mol", "not a molecule\n")


def test_a_dollar_line_with_trailing_spaces_still_ends_a_record():
    a, b = with_titles(["a", "b"])
    records, _ = split_bytes((a + "$$$$   \n" + b).encode(), "x.sdf")
    assert [r.name for r in records] == ["a", "b"]
