"""Real molecules shipped with RDKit (Data/NCI, Data/Pains) and helpers to read audit results."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdkit import RDConfig

from chemaudit.chemistry import warm_up

DATA = Path(RDConfig.RDDataDir)
NCI_SMI = DATA / "NCI" / "first_5K.smi"
NCI_SDF = DATA / "NCI" / "first_200.props.sdf"
PAINS_POSITIVES = DATA / "Pains" / "test_data" / "test_set3.txt"
WEHI = DATA / "Pains" / "test_data" / "wehi_mols.csv"


def check(result: dict, name: str) -> dict:
    """The named entry of result["validation"]["all_checks"]."""
    found = [c for c in result["validation"]["all_checks"] if c["check_name"] == name]
    assert len(found) == 1, f"{name} not in {[c['check_name'] for c in result['validation']['all_checks']]}"
    return found[0]


def failed(result: dict) -> set[str]:
    return {c["check_name"] for c in result["validation"]["issues"]}


@pytest.fixture(scope="session", autouse=True)
def _warm():
    warm_up()


@pytest.fixture(scope="session")
def nci_records() -> list[tuple[str, str]]:
    out = []
    for line in NCI_SMI.read_text().splitlines():
        fields = line.split()
        if fields:
            out.append((fields[0], fields[1] if len(fields) > 1 else ""))
    return out


@pytest.fixture(scope="session")
def pains_positives() -> list[tuple[str, str, str]]:
    """(pattern index, SMILES, id) of the positive controls for RDKit's PAINS SMARTS."""
    rows = []
    for line in PAINS_POSITIVES.read_text().splitlines():
        if line and not line.startswith("#"):
            fields = line.split()
            rows.append((fields[0], fields[2], fields[3]))
    return rows


@pytest.fixture(scope="session")
def wehi_smiles() -> list[str]:
    with WEHI.open(newline="") as handle:
        return [row[0] for row in csv.reader(handle) if row]


@pytest.fixture(scope="session")
def sdf_records() -> list[str]:
    """Whole SDF records (molblock + data fields + $$$$) of RDKit's first_200.props.sdf."""
    text = NCI_SDF.read_text()
    return [record + "$$$$\n" for record in text.split("$$$$\n") if record.strip()]
