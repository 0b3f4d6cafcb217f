"""The SMILES export reads back, through RDKit and through this service's own upload reader, as
exactly the readable molecules and their names (whitespace runs in a name made one space)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rdkit import Chem, RDLogger

from chemaudit.export import iter_encode, make_encoder
from chemaudit.export.smiles_file import one_line
from chemaudit.ingest.limits import IngestLimits
from chemaudit.ingest.splitter import UploadSplitter
from chemaudit.settings import Settings
from tests.support.molecules import nci_smiles
from tests.unit.export.rows import flat_row

RDLogger.DisableLog("rdApp.*")
NAMES = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)


def _export(rows: list[dict]) -> bytes:
    return b"".join(iter_encode(make_encoder("smi"), rows))


def _read_back(data: bytes) -> list[tuple[str, str]]:
    splitter = UploadSplitter("export.smi", limits=IngestLimits.from_settings(Settings()))
    records = splitter.feed(data) + splitter.finish()
    assert splitter.format == "smiles", splitter.format_reason
    return [(record.text, record.name) for record in records]


def _nci_rows(count: int) -> list[dict]:
    rows = []
    for idx, (smiles, name) in enumerate(nci_smiles(count)):
        mol = Chem.MolFromSmiles(smiles)
        canonical = Chem.MolToSmiles(mol) if mol is not None else None
        rows.append(flat_row(idx, smiles, name, canonical_smiles=canonical,
                             status="success" if mol is not None else "error"))
    return rows


def test_real_molecules_read_back_through_rdkit_with_their_names():
    rows = _nci_rows(300)
    supplier = Chem.SmilesMolSupplierFromText(_export(rows).decode(), delimiter="\t", titleLine=True)
    read = [(Chem.MolToSmiles(mol), mol.GetProp("_Name")) for mol in supplier if mol is not None]
    assert read == [(row["canonical_smiles"], row["name"]) for row in rows if row["canonical_smiles"]]


def test_an_unreadable_record_is_a_comment_naming_it_and_is_not_read_back():
    rows = _nci_rows(3)
    rows.insert(1, flat_row(9, "C1CC", "broken\tone", canonical_smiles=None, status="error",
                            error="Unclosed ring"))
    data = _export(rows)
    assert "# 9\tbroken one\tnot written: Unclosed ring\n" in data.decode()
    assert [name for _, name in _read_back(data)] == [rows[0]["name"], rows[2]["name"], rows[3]["name"]]


@settings(max_examples=60, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=5))
def test_hostile_names_keep_their_text_and_their_line(names):
    molecules = nci_smiles(len(names))
    rows = [flat_row(i, smiles, name) for i, ((smiles, _), name) in enumerate(zip(molecules, names, strict=True))]
    read = _read_back(_export(rows))
    assert [text for text, _ in read] == [smiles for smiles, _ in molecules]
    # A blank name gets the reader's default one; any other is the name on one line.
    assert [name for (_, name), row_name in zip(read, names, strict=True) if one_line(row_name)] == \
        [one_line(name) for name in names if one_line(name)]
