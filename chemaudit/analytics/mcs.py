"""Maximum common substructure of two molecules, their similarity and property differences."""

from __future__ import annotations

from rdkit import Chem, DataStructs
from rdkit.Chem import Descriptors, rdFingerprintGenerator, rdFMCS
from rdkit.Chem.QED import qed

MCS_TIMEOUT = 10  # seconds: FindMCS stops and reports the best so far (timed_out: true)
_GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
PROPERTIES = (
    ("MW", Descriptors.MolWt), ("LogP", Descriptors.MolLogP), ("TPSA", Descriptors.TPSA),
    ("QED", qed), ("HBA", Descriptors.NumHAcceptors), ("HBD", Descriptors.NumHDonors),
    ("RotBonds", Descriptors.NumRotatableBonds), ("RingCount", Descriptors.RingCount),
)


def compare(smiles_a: str, smiles_b: str, timeout: int = MCS_TIMEOUT) -> dict | None:
    """ChemAudit's MCS comparison document; None when either SMILES cannot be read."""
    mol_a, mol_b = Chem.MolFromSmiles(smiles_a), Chem.MolFromSmiles(smiles_b)
    if mol_a is None or mol_b is None:
        return None
    mcs = rdFMCS.FindMCS([mol_a, mol_b], timeout=timeout)
    tanimoto = DataStructs.TanimotoSimilarity(_GENERATOR.GetFingerprint(mol_a), _GENERATOR.GetFingerprint(mol_b))
    deltas = []
    for name, calculate in PROPERTIES:
        a, b = float(calculate(mol_a)), float(calculate(mol_b))
        deltas.append({"property": name, "mol_a": a, "mol_b": b, "delta": a - b})
    return {"mcs_smarts": mcs.smartsString, "num_atoms": mcs.numAtoms, "num_bonds": mcs.numBonds,
            "timed_out": bool(mcs.canceled), "tanimoto": float(tanimoto), "property_deltas": deltas,
            "smiles_a": smiles_a, "smiles_b": smiles_b}
