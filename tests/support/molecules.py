"""Real molecule files shipped with RDKit, and small files made from them."""

from __future__ import annotations

from pathlib import Path

from rdkit import RDConfig

DATA = Path(RDConfig.RDDataDir)
NCI_SDF_200 = DATA / "NCI" / "first_200.props.sdf"
NCI_SMI_5K = DATA / "NCI" / "first_5K.smi"


def nci_smiles(count: int) -> list[tuple[str, str]]:
    """(smiles, name) pairs from the NCI set, cycled with distinct names if more are asked."""
    base = []
    for line in NCI_SMI_5K.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 2:
            base.append((fields[0], fields[1]))
    return [(base[i % len(base)][0], f"{base[i % len(base)][1]}_{i}") for i in range(count)]


def write_csv(path: Path, count: int) -> Path:
    rows = ["SMILES,Name"] + [f"{smiles},{name}" for smiles, name in nci_smiles(count)]
    path.write_text("\n".join(rows) + "\n")
    return path
