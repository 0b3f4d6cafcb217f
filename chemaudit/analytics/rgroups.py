"""R-group decomposition of the molecules that contain a core (RDKit's RGroupDecompose)."""

from __future__ import annotations

from rdkit import Chem, rdBase
from rdkit.Chem import rdRGroupDecomposition


def decompose(core_smarts: str, items: list[tuple[int, str]]) -> tuple[list[tuple[int, dict]], int]:
    """([(idx, {"Core": ..., "R1": ...})], unmatched count) for (idx, smiles) items."""
    core = Chem.MolFromSmarts(core_smarts)
    mols, indices = [], []
    with rdBase.BlockLogs():
        for idx, smiles in items:
            mol = Chem.MolFromSmiles(smiles)
            if mol is not None and mol.HasSubstructMatch(core):
                mols.append(mol)
                indices.append(idx)
        if not mols:
            return [], len(items)
        rows, unmatched = rdRGroupDecomposition.RGroupDecompose([core], mols, asSmiles=True)
    missed = set(unmatched)
    matched_positions = [pos for pos in range(len(mols)) if pos not in missed]
    out = [(indices[pos], dict(row)) for pos, row in zip(matched_positions, rows)]
    return out, len(items) - len(out)
