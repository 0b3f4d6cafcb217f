import re

from rdkit import Chem

from chemaudit.export import iter_encode, make_encoder
from tests.unit.export.rows import flat_row, sd_records, smiles_rows


def _read(data: bytes) -> list:
    supplier = Chem.SDMolSupplier()
    supplier.SetData(data.decode("utf-8"), sanitize=False, removeHs=False)
    return list(supplier)


def _positions(mol) -> list[tuple[float, float, float]]:
    return [tuple(round(v, 4) for v in mol.GetConformer().GetAtomPosition(i)) for i in range(mol.GetNumAtoms())]


def test_sd_records_keep_their_coordinates_and_data_items():
    records = sd_records(50)
    rows = [flat_row(i, "", f"NSC{i}", input_kind="mol", input_text=text) for i, text in enumerate(records)]
    mols = _read(b"".join(iter_encode(make_encoder("sdf"), rows, batch_size=7)))
    assert len(mols) == 50 and all(mol is not None for mol in mols)
    for text, mol in zip(records, mols):
        original = Chem.MolFromMolBlock(text, sanitize=False, removeHs=False)
        assert _positions(mol) == _positions(original)
        assert mol.GetProp("SMILES") == re.search(r"<SMILES>.*\n(.*)\n", text).group(1)
    assert mols[3].GetProp("chemaudit_index") == "3"
    assert mols[3].GetProp("chemaudit_failed_checks") == "stereo_undefined"
    assert not mols[3].HasProp("chemaudit_error")


def test_smiles_records_get_a_2d_molblock_with_their_name():
    rows = smiles_rows(300)
    mols = _read(b"".join(iter_encode(make_encoder("sdf"), rows)))
    assert len(mols) == 300
    for row, mol in zip(rows, mols):
        assert mol.GetProp("_Name") == row["name"]
        assert mol.GetProp("chemaudit_smiles") == row["smiles"]
        assert mol.GetNumAtoms() == Chem.MolFromSmiles(row["smiles"]).GetNumAtoms()


def test_unreadable_records_still_get_an_entry():
    rows = [
        flat_row(0, "C1CC(", "broken ring", input_kind="smiles", input_text="C1CC(", status="error",
                 error="SMILES Parse Error: extra open parentheses\nwhile parsing", canonical_smiles=None),
        flat_row(1, "", "too big", input_kind="mol", input_text="", status="error", error="too large"),
        flat_row(2, "CCO", "ethanol", input_kind="smiles", input_text="CCO"),
    ]
    text = b"".join(iter_encode(make_encoder("sdf"), rows)).decode()
    assert text.count("$$$$\n") == 3
    mols = _read(text.encode())
    assert [mol.GetNumAtoms() for mol in mols] == [0, 0, 3]
    assert mols[0].GetProp("chemaudit_error") == "SMILES Parse Error: extra open parentheses while parsing"
    assert mols[1].GetProp("_Name") == "too big"
