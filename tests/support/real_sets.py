"""RDKit's shipped real sets as (set, kind, text) records: NCI SMILES, WEHI SMILES, NCI SDF."""

from __future__ import annotations

import csv
from pathlib import Path

from rdkit import RDConfig

DATA = Path(RDConfig.RDDataDir)


def nci_smiles() -> list[str]:
    return [line.split()[0] for line in (DATA / "NCI" / "first_5K.smi").read_text().splitlines() if line.strip()]


def wehi_smiles() -> list[str]:
    with (DATA / "Pains" / "test_data" / "wehi_mols.csv").open(newline="") as handle:
        return [row[0] for row in csv.reader(handle) if row]


def nci_sdf_records() -> list[str]:
    text = (DATA / "NCI" / "first_200.props.sdf").read_text()
    return [record + "$$$$\n" for record in text.split("$$$$\n") if record.strip()]


def records(nci: int, wehi: int) -> list[tuple[str, str, str]]:
    """The first `nci` NCI and `wehi` WEHI SMILES, then the 200 NCI SD records."""
    return ([("NCI", "smiles", s) for s in nci_smiles()[:nci]] + [("WEHI", "smiles", s) for s in wehi_smiles()[:wehi]]
            + [("NCI-SDF", "mol", r) for r in nci_sdf_records()])
