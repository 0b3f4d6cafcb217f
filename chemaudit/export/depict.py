"""2D structure drawings as PNG, for the Excel structure column and the PDF report."""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D
from rdkit.rdBase import BlockLogs


def parse(smiles: str | None):
    """A molecule from a stored SMILES, or None (no log lines: a bad one is data, not news)."""
    if not smiles:
        return None
    with BlockLogs():
        return Chem.MolFromSmiles(smiles)


def png(smiles: str | None, width: int = 150, height: int = 150) -> bytes | None:
    """The molecule drawn on white, or None when it cannot be read or drawn."""
    mol = parse(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    drawer = rdMolDraw2D.MolDraw2DCairo(width, height)
    with BlockLogs():
        try:
            rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
        except (RuntimeError, ValueError):  # RDKit refuses some structures (e.g. bad stereo)
            return None
    drawer.FinishDrawing()
    return drawer.GetDrawingText()
