"""Distinct real molecules from the files shipped with RDKit, as many as a benchmark asks for.

RDKit's data holds about 16,000 distinct structures (NCI 5K, the WEHI screening set, ChEMBL
series of Contrib); past those, the same molecules are written another way (RDKit's canonical,
then Kekulé SMILES): a different input text, so a different record to the result cache, with
the same chemistry cost. Only structures RDKit can read are kept, so every record is a full audit.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from rdkit import Chem, RDConfig, rdBase

DATA = Path(RDConfig.RDDataDir)
CONTRIB = Path(RDConfig.RDContribDir)


def _smi(path: Path, smiles_first: bool = True) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 2:
            out.append((fields[0], fields[1]) if smiles_first else (fields[1], fields[0]))
    return out


def _wehi() -> list[tuple[str, str]]:
    with (DATA / "Pains" / "test_data" / "wehi_mols.csv").open() as handle:
        return [(row[0], row[1]) for row in csv.reader(handle) if len(row) >= 2]


def originals() -> list[tuple[str, str]]:
    """(SMILES, name) of every real molecule of the shipped files, in file order."""
    return (_smi(DATA / "NCI" / "first_5K.smi") + _wehi()
            + _smi(CONTRIB / "FreeWilson" / "data" / "CHEMBL2321810.smi")
            + _smi(CONTRIB / "fraggle" / "data" / "ChEMBL_11265_actives.smi")
            + _smi(CONTRIB / "Fastcluster" / "cdk2.smi", smiles_first=False))


def distinct_molecules(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """`count` (SMILES, name) pairs with pairwise different SMILES texts, shuffled with `seed`."""
    seen: dict[str, str] = {}
    readable = []
    with rdBase.BlockLogs():
        for smiles, name in originals():
            mol = Chem.MolFromSmiles(smiles)
            if mol is not None and smiles not in seen:
                seen[smiles] = name
                readable.append((smiles, name, mol))
        for writing, kekulize in (("can", False), ("kek", True)):
            for _smiles, name, mol in readable:
                if len(seen) >= count:
                    break
                if kekulize:
                    mol = Chem.Mol(mol)
                    Chem.Kekulize(mol, clearAromaticFlags=True)
                text = Chem.MolToSmiles(mol, kekuleSmiles=kekulize)
                if text not in seen:
                    seen[text] = f"{name}-{writing}"
    if len(seen) < count:
        raise ValueError(f"only {len(seen):,} distinct texts available, not {count:,}")
    pairs = list(seen.items())
    random.Random(seed).shuffle(pairs)
    return pairs[:count]
