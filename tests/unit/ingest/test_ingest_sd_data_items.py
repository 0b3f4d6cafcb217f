"""SD data items have their own limit: kept, or cut with a note, never an error (issue 18, item 4)."""

from __future__ import annotations

from ingest_helpers import make_limits, split_bytes
from rdkit import Chem

ASPIRIN = Chem.MolToMolBlock(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))


def _record(title: str, items: list[tuple[str, str]]) -> str:
    block = f"{title}\n" + ASPIRIN.split("\n", 1)[1]
    return block + "".join(f"> <{name}>\n{value}\n\n" for name, value in items) + "$$$$\n"


def test_a_large_data_item_is_kept_whole_under_the_data_limit():
    data = _record("aspirin", [("description", "x" * 101_000), ("id", "ASP-1")]).encode()
    [record], _ = split_bytes(data, "a.sdf", "random", limits=make_limits(max_record_bytes=50_000))
    assert record.error is None and record.name == "aspirin"
    supplier = Chem.SDMolSupplier()
    supplier.SetData(record.text)
    props = supplier[0].GetPropsAsDict()
    assert props["description"] == "x" * 101_000 and props["id"] == "ASP-1"


def test_data_items_over_the_data_limit_are_cut_with_a_note_and_the_molecule_kept():
    data = (_record("big", [("id", "B-1"), ("description", ("y" * 70 + "\n") * 100), ("later", "z")])
            + _record("after", [("id", "A-2")])).encode()
    records, _ = split_bytes(data, "a.sdf", 7, limits=make_limits(max_sd_data_bytes=3000))
    assert [(r.name, r.error) for r in records] == [("big", None), ("after", None)]
    supplier = Chem.SDMolSupplier()
    supplier.SetData(records[0].text)
    mol = supplier[0]
    assert mol is not None and mol.GetNumAtoms() == 13
    props = mol.GetPropsAsDict()
    assert props["id"] == "B-1" and 2000 < len(props["description"]) < 3000
    assert "later" not in props
    note = props["chemaudit_input_note"]
    assert "3,000 bytes" in note and "'description' was cut" in note and "'later'" in note
    assert "$$$$" not in records[0].text and records[0].text.endswith("\n")
    assert records[1].text.startswith("after\n") and "chemaudit_input_note" not in records[1].text


def test_a_cut_never_splits_a_utf8_character():
    data = _record("accents", [("note", "\u00e9" * 2000)]).encode()
    [record], _ = split_bytes(data, "a.sdf", limits=make_limits(max_sd_data_bytes=1001))
    supplier = Chem.SDMolSupplier()
    supplier.SetData(record.text)
    value = supplier[0].GetProp("note")
    assert set(value) == {"\u00e9"} and len(value) < 1000  # decoded as UTF-8, not as cp1252 junk
