"""A CSV field longer than the csv module's 131,072-character limit keeps its record's name (issue 13)."""

from __future__ import annotations

import pytest
from ingest_helpers import make_limits, split_bytes

from tests.support.molecules import nci_smiles

LONG = 180_000


def _long_smiles() -> str:
    """A real molecule repeated into one very long disconnected SMILES, longer than the csv limit."""
    smiles, _ = nci_smiles(1)[0]
    return ".".join([smiles] * (LONG // (len(smiles) + 1) + 1))


@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("how", ["whole", 65536])
def test_a_smiles_past_the_csv_field_limit_keeps_its_name_and_its_text(quoted, how):
    big = _long_smiles()
    cell = f'"{big}"' if quoted else big
    data = f"SMILES,Name\nCCO,ethanol\n{cell},hugemol\nc1ccccc1,benzene\n".encode()
    records, _ = split_bytes(data, "mols.csv", how)
    assert [r.name for r in records] == ["ethanol", "hugemol", "benzene"]
    assert records[1].text == big and records[1].error is None  # the audit's size guard judges it


def test_a_smiles_past_the_record_limit_keeps_its_name_with_the_size_error():
    big = _long_smiles()
    data = f"Name,SMILES\nhugemol,{big}\nethanol,CCO\n".encode()
    records, _ = split_bytes(data, "mols.csv", limits=make_limits(max_record_bytes=150_000))
    assert [r.name for r in records] == ["hugemol", "ethanol"]
    assert records[0].text == ""
    assert records[0].error == f"The SMILES is {len(big):,} characters long, over the 150,000 allowed for one record."
